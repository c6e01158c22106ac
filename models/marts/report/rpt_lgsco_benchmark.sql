-- Sections 9.6-9.10: the council against similar authorities (same authority type) and
-- all authorities, from the LGSCO's annual statistics, per year and authority:
--   uphold_rate = upheld / (upheld + not upheld) (from 2024/25: upheld / investigated)
--   compliance_rate = compliance outcomes where the Ombudsman was satisfied / all outcomes
--   satisfactory_remedy_rate = upheld cases where the council had already offered a
--     suitable remedy / upheld
--   upheld_per_100k = as published, else upheld / population (lgsco_authorities seed)
-- Averages are means of the authorities' rates; rank_in_type ranks upheld_per_100k
-- ascending among authorities of the same type (1 = fewest upheld per resident).

with stats as (

    select * from {{ ref('fct_lgsco_annual_stats') }}

),

pivoted as (

    select
        financial_year,
        organisation_key,
        max(organisation) as authority,
        max(authority_type) as authority_type,
        bool_or(is_this_council) as is_this_council,
        coalesce(
            max(case when measure = 'received_total' then value end),
            sum(case when measure = 'received' then value end)
        ) as complaints_received,
        max(case when measure in ('decided_total', 'complaints_dealt_with') then value end)
            as decisions,
        max(case when measure = 'upheld' then value end) as upheld,
        max(case when measure = 'not_upheld' then value end) as not_upheld,
        max(case when measure = 'investigated' then value end) as investigated,
        max(case when measure = 'compliance_satisfied' then value end) as compliance_satisfied,
        max(case when measure = 'compliance_outcomes' then value end) as compliance_outcomes,
        max(case when measure = 'compliance_rate_pct' then value end) as compliance_pct,
        max(case when measure = 'satisfactory_remedy' then value end) as satisfactory_remedy,
        max(case when measure = 'satisfactory_remedy_pct' then value end)
            as satisfactory_remedy_pct,
        max(case when measure = 'upheld_per_100k' then value end) as published_upheld_per_100k
    from stats
    group by financial_year, organisation_key

),

rated as (

    select
        pivoted.*,
        pivoted.upheld / nullif(
            coalesce(pivoted.investigated, pivoted.upheld + pivoted.not_upheld), 0
        ) as uphold_rate,
        coalesce(
            pivoted.compliance_satisfied / nullif(pivoted.compliance_outcomes, 0),
            pivoted.compliance_pct / 100
        ) as compliance_rate,
        coalesce(
            pivoted.satisfactory_remedy / nullif(pivoted.upheld, 0),
            pivoted.satisfactory_remedy_pct / 100
        ) as satisfactory_remedy_rate,
        coalesce(
            pivoted.published_upheld_per_100k,
            100000 * pivoted.upheld / nullif(authorities.population, 0)
        ) as upheld_per_100k
    from pivoted
    left join {{ ref('lgsco_authorities') }} as authorities
        on pivoted.organisation_key = authorities.organisation_key

)

select
    financial_year,
    authority,
    authority_type,
    is_this_council,
    cast(complaints_received as integer) as complaints_received,
    cast(decisions as integer) as decisions,
    cast(upheld as integer) as upheld,
    cast(not_upheld as integer) as not_upheld,
    cast(uphold_rate as double precision) as uphold_rate,
    cast(compliance_rate as double precision) as compliance_rate,
    cast(satisfactory_remedy_rate as double precision) as satisfactory_remedy_rate,
    cast(upheld_per_100k as double precision) as upheld_per_100k,
    cast(
        avg(uphold_rate) over (partition by financial_year, authority_type) as double precision
    ) as similar_avg_uphold_rate,
    cast(
        avg(satisfactory_remedy_rate) over (partition by financial_year, authority_type)
        as double precision
    ) as similar_avg_satisfactory_remedy_rate,
    cast(avg(uphold_rate) over (partition by financial_year) as double precision)
        as national_avg_uphold_rate,
    cast(
        case when upheld_per_100k is not null
                then rank() over (
                        partition by financial_year, authority_type, upheld_per_100k is null
                        order by upheld_per_100k
                    )
        end as integer
    ) as rank_in_type
from rated
