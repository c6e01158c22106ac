-- Every LGSCO case known (in the council's log, in the decisions the Ombudsman published
-- about the council, or only as a complaint's lgsco_ref; joined by reference) with the
-- council complaint it concerns. A case is linked through the log's case_ref or through a
-- case whose lgsco_ref is the reference; a link to a stage 2 (or 3) record is followed up
-- its parent_ref chain to the first record of the complaint (the stage 1 record; the stage
-- 2 record itself when stage 1 was bypassed).
--   decision_date / lgsco_outcome: the published decision's, else the log's
-- One row per LGSCO case and complaint it concerns; an LGSCO case linked to no complaint
-- has one row with no stage1_case_ref.

with logged as (

    select
        lgsco_ref,
        case_ref,
        decision_date,
        council_outcome
    from {{ ref('int_ombudsman_cases__latest') }}

),

published as (

    select
        lgsco_ref,
        decision,
        decision_date
    from {{ ref('fct_lgsco_decisions') }}
    where is_this_council

),

complaints as (

    select
        case_ref,
        parent_ref,
        lgsco_ref,
        received_date
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint'

),

references_known as (

    select lgsco_ref from logged
    union
    select lgsco_ref from published
    union
    select lgsco_ref from complaints
    where lgsco_ref is not null

),

lgsco_cases as (

    select
        references_known.lgsco_ref,
        logged.case_ref as logged_case_ref,
        coalesce(published.decision_date, logged.decision_date) as decision_date,
        coalesce(published.decision, logged.council_outcome) as lgsco_outcome,
        logged.lgsco_ref is not null as is_in_log,
        published.lgsco_ref is not null as is_published
    from references_known
    left join logged on references_known.lgsco_ref = logged.lgsco_ref
    left join published on references_known.lgsco_ref = published.lgsco_ref

),

chains as (

    select
        complaints.case_ref,
        coalesce(grandparents.case_ref, parents.case_ref, complaints.case_ref) as stage1_case_ref,
        coalesce(
            grandparents.received_date, parents.received_date, complaints.received_date
        ) as stage1_received_date
    from complaints
    left join complaints as parents on complaints.parent_ref = parents.case_ref
    left join complaints as grandparents on parents.parent_ref = grandparents.case_ref

),

links as (

    select
        lgsco_ref,
        logged_case_ref as case_ref
    from lgsco_cases
    where logged_case_ref is not null

    union

    select
        lgsco_ref,
        case_ref
    from complaints
    where lgsco_ref is not null

),

linked as (

    select distinct
        links.lgsco_ref,
        chains.stage1_case_ref,
        chains.stage1_received_date
    from links
    inner join chains on links.case_ref = chains.case_ref

)

select
    lgsco_cases.lgsco_ref,
    lgsco_cases.decision_date,
    case when lgsco_cases.decision_date is not null
            then {{ financial_year('lgsco_cases.decision_date') }}
    end as decision_financial_year,
    lgsco_cases.lgsco_outcome,
    lgsco_cases.is_in_log,
    lgsco_cases.is_published,
    linked.stage1_case_ref,
    linked.stage1_received_date,
    case when linked.stage1_received_date is not null
            then {{ financial_year('linked.stage1_received_date') }}
    end as stage1_received_financial_year
from lgsco_cases
left join linked on lgsco_cases.lgsco_ref = linked.lgsco_ref
