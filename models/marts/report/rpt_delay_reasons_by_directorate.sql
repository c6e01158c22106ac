-- Table 12: late complaint responses in the year by directorate and recorded delay reason,
-- with the share of the directorate's complaints closed in the year (stages 1 and 2) and
-- the reason's rank within the directorate (the report shows the top 3).

{{ delay_reasons(by_directorate=true) }}
