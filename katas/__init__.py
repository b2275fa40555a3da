"""Your katas. Fill in each function marked TODO; `pytest` (or `nn-kata check`) tells you how it went."""
