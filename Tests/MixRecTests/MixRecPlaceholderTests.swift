// Placeholder so the test target builds; replaced by the module's real tests.
