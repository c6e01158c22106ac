-- Table 5: stage 1 complaints closed in the year by outcome (not upheld, upheld, partly
-- upheld, resolved upon receipt, withdrawn), with the share of all stage 1 complaints
-- closed in the year (withdrawn included in the denominator).

{{ outcomes_by_stage(stage=1) }}
