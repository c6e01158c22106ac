-- One row per contact the council did not accept into a complaints procedure (latest
-- version with status not_accepted): the reason, what it was handled as instead, and the
-- canonical directorate and service.

with cases as (

    select * from {{ ref('int_cases__latest') }}
    where status = 'not_accepted'

),

org as (

    select * from {{ ref('int_cases__org_mapped') }}

)

select
    cases.case_ref,
    cases.feedback_type,
    cases.stage,
    cases.procedure,
    org.directorate,
    org.service,
    org.is_directorate_mapped,
    cases.channel,
    cases.received_date,
    cases.closed_date,
    {{ financial_year('cases.received_date') }} as received_financial_year,
    coalesce(nullif(trim(cases.not_accepted_reason), ''), 'Not recorded') as not_accepted_reason,
    nullif(trim(cases.reclassified_as), '') as reclassified_as,
    cases.complainant_key,
    cases.area_code,
    cases.last_modified,
    cases.delivery_id,
    cases.source_file,
    cases.source_row
from cases
inner join org on cases.case_ref = org.case_ref
