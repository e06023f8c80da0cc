// Placeholder; the benchmark suites replace it.
print("no benchmark suites yet")
