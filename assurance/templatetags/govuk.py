"""Template tags that give Django form fields GOV.UK Frontend markup.

`components/field.html` and `components/_error_summary.html` use them. Ids follow Django's own
(`<id>_helptext` and `<id>_error`), and each widget's aria-describedby names exactly the hint
and error message that the template shows.

Placeholders are dropped: GOV.UK advises against them, and django-allauth uses them in place of
labels, which our fields always show.
"""

from django import template
from django.forms import BoundField, Form
from django.utils.safestring import SafeString

register = template.Library()

# The GOV.UK class for each kind of Django widget (BoundField.widget_type); text-like inputs
# (text, email, password, number, url, date, ...) fall back to govuk-input.
_WIDGET_CLASS = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "nullbooleanselect": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "file": "govuk-file-upload",
    "clearablefile": "govuk-file-upload",
}
_ERROR_CLASS = {
    "govuk-input": "govuk-input--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
}
# Short answers get a narrow box, so the box's size hints at the answer's size.
_NARROW_TYPES = {"number", "date", "time"}


@register.simple_tag
def govuk_describedby(field: BoundField, hide_hint: bool = False) -> str:
    """The ids of the hint and error message that field.html shows for this field."""
    ids = []
    if field.auto_id and field.help_text and not hide_hint:
        ids.append(f"{field.auto_id}_helptext")
    if field.auto_id and field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def govuk_widget(field: BoundField, hide_hint: bool = False) -> SafeString:
    """Render the field's widget with GOV.UK classes, ARIA attributes and no placeholder."""
    widget = field.field.widget
    base = _WIDGET_CLASS.get(field.widget_type, "govuk-input")
    classes = [base, widget.attrs.get("class", "")]
    if field.widget_type in _NARROW_TYPES and "govuk-input--width" not in classes[1]:
        classes.append("govuk-input--width-10")
    if field.errors and base in _ERROR_CLASS:
        classes.append(_ERROR_CLASS[base])
    attrs = field.build_widget_attrs({"class": " ".join(c for c in classes if c)})
    # Django would point at a hint even when the page hides it; say exactly what is shown.
    if not widget.attrs.get("aria-describedby"):
        attrs.pop("aria-describedby", None)
        if describedby := govuk_describedby(field, hide_hint):
            attrs["aria-describedby"] = describedby
    attrs["placeholder"] = False  # False leaves the attribute out altogether
    if field.auto_id and "id" not in widget.attrs:
        attrs["id"] = field.auto_id
    if field.field.localize:
        widget.is_localized = True
    return widget.render(field.html_name, field.value(), attrs=attrs, renderer=field.form.renderer)


def _error_target(field: BoundField) -> str:
    """The id an error summary link points at: the input, or a group's first input."""
    if field.widget_type in {"radioselect", "checkboxselectmultiple"} and field.subwidgets:
        return field.subwidgets[0].data["attrs"].get("id", "")
    return field.id_for_label or field.auto_id or ""


@register.simple_tag
def govuk_error_items(form: Form | None) -> list[tuple[str, str]]:
    """(id to link to, message) for every error of the form, non-field errors first.

    An error that belongs to no visible field links to the form's first visible field.
    """
    if form is None or not getattr(form, "errors", None):
        return []
    visible = form.visible_fields()
    first = _error_target(visible[0]) if visible else ""
    items = [(first, str(message)) for message in form.non_field_errors()]
    for field in form:
        target = first if field.is_hidden else _error_target(field)
        items.extend((target, str(message)) for message in field.errors)
    return items


@register.simple_tag
def page_numbers(page_obj) -> list[int | None]:
    """The page numbers GOV.UK pagination shows around `page_obj`: the first and last, one on
    each side of the current page, and None where numbers are left out."""
    paginator = page_obj.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    ]
