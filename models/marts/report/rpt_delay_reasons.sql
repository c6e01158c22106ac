-- Table 11: late complaint responses in the year by recorded delay reason, with the share
-- of all complaints closed in the year (stages 1 and 2) and the reason's rank.

{{ delay_reasons(by_directorate=false) }}
