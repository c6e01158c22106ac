-- Table 9: complaints upheld (not partly upheld) at stage 1 or 2 and answered in the year,
-- by primary reason ('Blank' when none) and directorate, with Total rows for reason,
-- directorate and both. share_of_total = the cell / the year's grand total.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

upheld as (

    select
        financial_year,
        primary_reason as reason,
        directorate
    from {{ ref('int_complaints__closed') }}
    where is_response and outcome = 'upheld' and stage in (1, 2)

),

reasons as (

    select distinct reason from upheld
    union all
    select 'Total'

),

directorates as (

    select distinct directorate from upheld
    union all
    select 'Total'

),

counted as (

    select
        financial_year,
        case when grouping(reason) = 1 then 'Total' else reason end as reason,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        count(*) as upheld_complaints
    from upheld
    group by financial_year, cube(reason, directorate)

),

spine as (

    select
        years.financial_year,
        reasons.reason,
        directorates.directorate,
        cast(coalesce(counted.upheld_complaints, 0) as integer) as upheld_complaints
    from years
    cross join reasons
    cross join directorates
    left join counted
        on
            years.financial_year = counted.financial_year
            and reasons.reason = counted.reason
            and directorates.directorate = counted.directorate

)

select
    financial_year,
    reason,
    directorate,
    upheld_complaints,
    upheld_complaints / nullif(
        cast(
            max(case when reason = 'Total' and directorate = 'Total' then upheld_complaints end)
                over (partition by financial_year)
            as double precision
        ),
        0
    ) as share_of_total
from spine
