"""Great Expectations suites of the annual audit (`suites/*.json`, as data) and their runner."""
