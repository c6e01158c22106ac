-- The council's log of LGSCO cases: the latest delivered version of each lgsco_ref, with
-- canonical directorate and service (through org_units; the case's own when only the
-- case is linked) and the financial year of the Ombudsman's decision.

with versions as (

    select
        *,
        row_number() over (
            partition by lgsco_ref
            order by delivered_at desc, delivery_id desc, source_file desc, source_row desc
        ) as version_rank
    from {{ ref('stg_cases__ombudsman_cases') }}

),

logged as (

    select * from versions
    where version_rank = 1

),

cases as (

    select
        case_ref,
        directorate,
        service
    from {{ ref('fct_cases') }}

)

select
    logged.lgsco_ref,
    logged.case_ref,
    coalesce(
        directorate_match.canonical_name,
        logged.directorate_recorded,
        service_match.directorate,
        cases.directorate,
        'Not recorded'
    ) as directorate,
    coalesce(service_match.canonical_name, logged.service_recorded, cases.service) as service,
    logged.received_date,
    logged.decision_date,
    case when logged.decision_date is not null
            then {{ financial_year('logged.decision_date') }}
    end as decision_financial_year,
    logged.council_outcome,
    logged.remedy_amount_gbp,
    cases.case_ref is not null as is_case_found
from logged
{{ join_org_unit('directorate_match', 'logged', 'directorate_recorded', 'decision_date', 'directorate') }}
{{ join_org_unit('service_match', 'logged', 'service_recorded', 'decision_date', 'service') }}
left join cases on logged.case_ref = cases.case_ref
