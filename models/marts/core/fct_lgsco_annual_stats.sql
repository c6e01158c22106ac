-- The LGSCO's annual review statistics for every authority, tidy: one row per year,
-- authority, measure and subject area. Decisions carry their scheme: `to_2023_24` (upheld,
-- not upheld, advice given, closed after initial enquiries, incomplete/invalid, referred
-- back) or `from_2024_25` (complaints dealt with, not for us, assessed and closed,
-- investigated, upheld). A value published in several files is taken from the last file
-- by name.

with stats as (

    select
        *,
        'complaints_received' as family
    from {{ ref('stg_lgsco__complaints_received') }}
    union all
    select
        *,
        'decisions_made' as family
    from {{ ref('stg_lgsco__decisions_made') }}
    union all
    select
        *,
        'remedy_compliance' as family
    from {{ ref('stg_lgsco__remedy_compliance') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by financial_year, organisation_key, measure, coalesce(subject_area, '')
            order by source_file desc
        ) as source_rank
    from stats
    where financial_year is not null and organisation_key is not null and value is not null

),

authorities as (

    select * from {{ ref('lgsco_authorities') }}

)

select
    ranked.financial_year,
    ranked.organisation_key,
    max(ranked.organisation) over (
        partition by ranked.financial_year, ranked.organisation_key
    ) as organisation,
    coalesce(
        max(ranked.authority_type) over (
            partition by ranked.financial_year, ranked.organisation_key
        ),
        authorities.authority_type
    ) as authority_type,
    ranked.family,
    case
        when ranked.family <> 'decisions_made' then null
        when ranked.financial_year >= '2024/25' then 'from_2024_25'
        else 'to_2023_24'
    end as scheme,
    ranked.measure,
    ranked.subject_area,
    ranked.value,
    ranked.source_file,
    ranked.organisation_key in (
        select this_council.organisation_key from {{ ref('int_lgsco__this_council') }} as this_council
    ) as is_this_council
from ranked
left join authorities on ranked.organisation_key = authorities.organisation_key
where ranked.source_rank = 1
