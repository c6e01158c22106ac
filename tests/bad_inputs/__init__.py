"""The corpus of malformed delivered files that `tests/test_bad_inputs.py` runs through ingest.

`bad_inputs.corpus.CORPUS` is generated from the contract (`ingest.contract`) and from the
validator's own rule list (`ingest.validate.rule_names`), so a new rule or enum value without
a corpus case fails the coverage test. `bad_inputs.doc` renders `docs/robustness.md`.
"""
