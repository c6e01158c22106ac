-- New (issue #10): contacts the council did not accept into a complaints procedure
-- (status not_accepted), by financial year received, directorate, reason and what they
-- were handled as instead, with the share of the directorate's contacts in the year that
-- were refused (not accepted / (not accepted + stage 1 complaints received)). Empty when
-- the case export delivers no not_accepted contacts.

with refused as (

    select
        received_financial_year as financial_year,
        directorate,
        not_accepted_reason,
        coalesce(reclassified_as, 'not reclassified') as reclassified_as
    from {{ ref('fct_not_accepted_contacts') }}

),

by_reason as (

    select
        financial_year,
        directorate,
        not_accepted_reason,
        reclassified_as,
        count(*) as contacts_not_accepted
    from refused
    group by financial_year, directorate, not_accepted_reason, reclassified_as

),

refused_in_directorate as (

    select
        financial_year,
        directorate,
        count(*) as directorate_not_accepted
    from refused
    group by financial_year, directorate

),

accepted_in_directorate as (

    select
        received_financial_year as financial_year,
        directorate,
        count(*) as stage1_received
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1
    group by received_financial_year, directorate

)

select
    by_reason.financial_year,
    by_reason.directorate,
    by_reason.not_accepted_reason,
    by_reason.reclassified_as,
    cast(by_reason.contacts_not_accepted as integer) as contacts_not_accepted,
    cast(refused_in_directorate.directorate_not_accepted as integer) as directorate_not_accepted,
    cast(coalesce(accepted_in_directorate.stage1_received, 0) as integer)
        as directorate_stage1_received,
    cast(
        refused_in_directorate.directorate_not_accepted
        / cast(
            refused_in_directorate.directorate_not_accepted
            + coalesce(accepted_in_directorate.stage1_received, 0)
            as double precision
        )
        as double precision
    ) as directorate_share_not_accepted
from by_reason
inner join refused_in_directorate
    on
        by_reason.financial_year = refused_in_directorate.financial_year
        and by_reason.directorate = refused_in_directorate.directorate
left join accepted_in_directorate
    on
        by_reason.financial_year = accepted_in_directorate.financial_year
        and by_reason.directorate = accepted_in_directorate.directorate
