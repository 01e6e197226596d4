"""GOV.UK pagination (components/_pagination.html and the `page_numbers` tag): every paged list
shows the same numbers, worked out from the page alone."""

from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory

from assurance.templatetags.govuk import page_numbers


def test_page_numbers_keep_the_ends_and_the_neighbours_and_mark_gaps():
    page = Paginator(range(200), 10).get_page(10)

    assert page_numbers(page) == [1, None, 9, 10, 11, None, 20]


def test_page_numbers_of_a_short_list_are_all_shown():
    assert page_numbers(Paginator(range(30), 10).get_page(2)) == [1, 2, 3]


def test_the_component_links_each_number_and_marks_the_current_page():
    page = Paginator(range(200), 10).get_page(10)
    request = RequestFactory().get("/things/", {"kind": "x", "page": "10"})

    html = Template('{% include "components/_pagination.html" %}').render(
        RequestContext(request, {"page_obj": page})
    )

    assert html.count("govuk-pagination__item--ellipses") == 2
    assert 'href="?kind=x&amp;page=9"' in html
    assert 'href="?kind=x&amp;page=20"' in html
    assert 'aria-current="page">10<' in html
    assert "page=8" not in html
