-- Table 6: stage 2 complaints closed in the year by outcome, with the share of all stage 2
-- complaints closed in the year (withdrawn included in the denominator).

{{ outcomes_by_stage(stage=2) }}
