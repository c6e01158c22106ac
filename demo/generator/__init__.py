"""Demo case exports calibrated to Kent County Council's Annual Customer Feedback Report 2023/24.

`generate(out_dir, seed, scale)` writes the canonical files (cases, case_reasons,
case_actions, case_payments, ombudsman_cases, member_conduct_complaints and
complainant_profile) for five financial years; `python -m demo.generator --out DIR` does the
same from the command line. The contract's optional fields (complainant keys, areas,
reopenings, contacts not accepted, remedy due and completed dates, the equalities profile)
come from `extras`, on random streams of their own, so they leave every other value as it was.
"""

from demo.generator.core import DEFAULT_SEED, generate

__all__ = ["DEFAULT_SEED", "generate"]
