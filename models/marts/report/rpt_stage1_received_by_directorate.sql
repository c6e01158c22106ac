-- Table 2: stage 1 complaints received by directorate (by received_date, every status),
-- with a Total row and the previous year.

{{ received_by_directorate(stage=1) }}
