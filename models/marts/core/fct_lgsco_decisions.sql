-- One row per published LGSCO decision (latest fetch of each page, one row per reference),
-- with its subject area, directorate and service (lgsco_category_map seed), the financial
-- year of the decision and whether it is about this council.

with fetched as (

    select
        *,
        row_number() over (
            partition by lgsco_ref
            order by fetched_at desc, harvest_id desc, url asc
        ) as fetch_rank
    from {{ ref('stg_lgsco__decisions') }}
    where lgsco_ref is not null

),

decisions as (

    select * from fetched
    where fetch_rank = 1

),

category_map as (

    select * from {{ ref('lgsco_category_map') }}

),

mapped as (

    select
        decisions.lgsco_ref,
        category_map.subject_area,
        category_map.directorate,
        category_map.service,
        row_number() over (
            partition by decisions.lgsco_ref
            order by case when category_map.subcategory is not null then 0 else 1 end
        ) as map_rank
    from decisions
    inner join category_map
        on
            lower(decisions.category) = lower(category_map.category)
            and (
                category_map.subcategory is null
                or lower(decisions.subcategory) = lower(category_map.subcategory)
            )

)

select
    decisions.lgsco_ref,
    decisions.organisation,
    decisions.organisation_key,
    decisions.organisation_key in (
        select this_council.organisation_key from {{ ref('int_lgsco__this_council') }} as this_council
    ) as is_this_council,
    decisions.category,
    decisions.subcategory,
    coalesce(mapped.subject_area, 'Other') as subject_area,
    mapped.directorate,
    mapped.service,
    decisions.decision,
    decisions.publication_type,
    decisions.decision_date,
    case when decisions.decision_date is not null
            then {{ financial_year('decisions.decision_date') }}
    end as decision_financial_year,
    decisions.summary,
    decisions.remedy_total_gbp,
    decisions.has_monthly_remedy,
    decisions.is_satisfactory_remedy,
    decisions.satisfied_date,
    decisions.url,
    decisions.fetched_at,
    decisions.text_sha256,
    decisions.other_references
from decisions
left join mapped on decisions.lgsco_ref = mapped.lgsco_ref and mapped.map_rank = 1
