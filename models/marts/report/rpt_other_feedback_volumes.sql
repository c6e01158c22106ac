-- Table 7: other feedback received in the year (member and MP enquiries, enquiries,
-- representations, informal concerns, SEN enquiries), with the previous year.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

feedback_types as (

    select 'member_enquiry' as feedback_type
    union all
    select 'enquiry'
    union all
    select 'representation'
    union all
    select 'informal_concern'
    union all
    select 'sen_enquiry'

),

received as (

    select
        received_financial_year as financial_year,
        feedback_type,
        count(*) as received
    from {{ ref('fct_cases') }}
    group by received_financial_year, feedback_type

),

spine as (

    select
        years.financial_year,
        feedback_types.feedback_type,
        cast(coalesce(received.received, 0) as integer) as received
    from years
    cross join feedback_types
    left join received
        on
            years.financial_year = received.financial_year
            and feedback_types.feedback_type = received.feedback_type

),

with_previous as (

    select
        *,
        {{ previous_year('received', 'feedback_type') }} as previous_year_received
    from spine

)

select
    financial_year,
    feedback_type,
    received,
    previous_year_received,
    received - previous_year_received as difference,
    {{ pct_difference('received', 'previous_year_received') }} as pct_difference
from with_previous
