"""The benchmark (`make bench`, DESIGN.md section 16): national-scale data, query counts, page
scaling, PDF cost, the matcher and load, measured as ratios in one run and printed as one JSON
line. Development tooling: nothing in the product imports it."""
