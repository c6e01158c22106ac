-- New (issue #10): who complains, against the population's profile, and how often their
-- complaints are upheld, from the council's voluntary equalities monitoring
-- (complainant_profile). Per financial year, characteristic (age_band, sex, ethnic_group,
-- disability) and group:
--   complainants: distinct complainants (complainant_key, else the case) of stage 1
--     complaints received in the year
--   stage1_responses / upheld_responses: stage 1 responses closed in the year, and of
--     those upheld or partly upheld
-- with an 'All recorded' row (the recorded groups' sum; 'Not recorded' is outside it),
-- shares of the recorded complainants, the population share (population_profile seed)
-- and the ratio of the two.
--
-- Small-number suppression is always on here, in the mart itself, because BI tools read
-- it directly: a count from 1 to equalities_suppress_below - 1 is NULL (zeros are shown);
-- then, within each year, characteristic and count, the recorded groups and their 'All
-- recorded' row add up, so a lone suppressed cell takes the smallest other non-zero cell
-- (else a zero, else the total) with it. Shares, ratios and rates are NULL wherever a
-- count they are made from is.
{%- set threshold = var('equalities_suppress_below', 5) | int %}
{%- if threshold < 2 %}
    {{ exceptions.raise_compiler_error(
        "equalities_suppress_below is " ~ threshold ~ ": suppression of the equalities"
        ~ " profile is always on and needs a threshold of at least 2") }}
{%- endif %}

with profiles as (

    select
        coalesce(complainant_key, case_ref) as complainant,
        received_financial_year,
        closed_financial_year,
        is_response and closed_financial_year is not null as is_response,
        outcome,
        age_band,
        sex,
        ethnic_group,
        disability
    from {{ ref('fct_complainant_profiles') }}
    where is_case_found and feedback_type = 'complaint' and stage = 1

),

by_characteristic as (

    {%- for characteristic in ['age_band', 'sex', 'ethnic_group', 'disability'] %}
        select
            complainant,
            received_financial_year,
            closed_financial_year,
            is_response,
            outcome,
            '{{ characteristic }}' as characteristic,
            {{ characteristic }} as group_name
        from profiles
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

complainant_counts as (

    select
        received_financial_year as financial_year,
        characteristic,
        group_name,
        count(distinct complainant) as complainants
    from by_characteristic
    group by received_financial_year, characteristic, group_name

),

response_counts as (

    select
        closed_financial_year as financial_year,
        characteristic,
        group_name,
        count(*) as stage1_responses,
        count(case when outcome in ('upheld', 'partly_upheld') then 1 end) as upheld_responses
    from by_characteristic
    where is_response
    group by closed_financial_year, characteristic, group_name

),

population as (

    select
        characteristic,
        group_name,
        population / cast(sum(population) over (partition by characteristic) as double precision)
            as population_share
    from {{ ref('population_profile') }}

),

year_characteristics as (

    select
        financial_year,
        characteristic
    from complainant_counts
    union
    select
        financial_year,
        characteristic
    from response_counts

),

cells as (

    select
        financial_year,
        characteristic,
        group_name
    from complainant_counts
    union
    select
        financial_year,
        characteristic,
        group_name
    from response_counts
    union
    select
        year_characteristics.financial_year,
        population.characteristic,
        population.group_name
    from year_characteristics
    inner join population on year_characteristics.characteristic = population.characteristic

),

groups as (

    select
        cells.financial_year,
        cells.characteristic,
        cells.group_name,
        coalesce(complainant_counts.complainants, 0) as complainants,
        coalesce(response_counts.stage1_responses, 0) as stage1_responses,
        coalesce(response_counts.upheld_responses, 0) as upheld_responses
    from cells
    left join complainant_counts
        on
            cells.financial_year = complainant_counts.financial_year
            and cells.characteristic = complainant_counts.characteristic
            and cells.group_name = complainant_counts.group_name
    left join response_counts
        on
            cells.financial_year = response_counts.financial_year
            and cells.characteristic = response_counts.characteristic
            and cells.group_name = response_counts.group_name

),

with_totals as (

    select
        *,
        false as is_total
    from groups
    union all
    select
        financial_year,
        characteristic,
        'All recorded' as group_name,
        sum(complainants) as complainants,
        sum(stage1_responses) as stage1_responses,
        sum(upheld_responses) as upheld_responses,
        true as is_total
    from groups
    where group_name <> 'Not recorded'
    group by financial_year, characteristic

),

count_cells as (

    {%- for measure in ['complainants', 'stage1_responses', 'upheld_responses'] %}
        select
            financial_year,
            characteristic,
            group_name,
            is_total,
            '{{ measure }}' as measure,
            {{ measure }} as value,
            {{ measure }} > 0 and {{ measure }} < {{ threshold }} as is_primary
        from with_totals
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

ranked as (

    select
        *,
        group_name <> 'Not recorded' as is_additive,
        sum(case when is_primary then 1 else 0 end) over (
            partition by financial_year, characteristic, measure, group_name <> 'Not recorded'
        ) as primaries_in_group,
        row_number() over (
            partition by financial_year, characteristic, measure, group_name <> 'Not recorded'
            order by
                case when is_primary then 1 else 0 end,
                case when is_total then 1 else 0 end,
                case when value = 0 then 1 else 0 end,
                value,
                group_name
        ) as secondary_rank
    from count_cells

),

suppressed as (

    select
        financial_year,
        characteristic,
        group_name,
        measure,
        value,
        is_primary
        or (is_additive and primaries_in_group = 1 and secondary_rank = 1) as is_suppressed
    from ranked

),

pivoted as (

    select
        financial_year,
        characteristic,
        group_name,
        max(case when measure = 'complainants' then value end) as complainants,
        max(case when measure = 'stage1_responses' then value end) as stage1_responses,
        max(case when measure = 'upheld_responses' then value end) as upheld_responses,
        max(case when measure = 'complainants' and is_suppressed then 1 else 0 end)
            as complainants_hidden,
        max(case when measure = 'stage1_responses' and is_suppressed then 1 else 0 end)
            as responses_hidden,
        max(case when measure = 'upheld_responses' and is_suppressed then 1 else 0 end)
            as upheld_hidden
    from suppressed
    group by financial_year, characteristic, group_name

),

shown as (

    select
        pivoted.*,
        totals.complainants as total_complainants,
        totals.complainants_hidden as total_complainants_hidden
    from pivoted
    inner join pivoted as totals
        on
            pivoted.financial_year = totals.financial_year
            and pivoted.characteristic = totals.characteristic
            and totals.group_name = 'All recorded'

)

select
    shown.financial_year,
    shown.characteristic,
    shown.group_name,
    shown.group_name = 'All recorded' as is_total,
    cast(case when shown.complainants_hidden = 0 then shown.complainants end as integer)
        as complainants,
    cast(
        case
            when
                shown.group_name <> 'Not recorded'
                and shown.complainants_hidden = 0
                and shown.total_complainants_hidden = 0
                then shown.complainants / cast(nullif(shown.total_complainants, 0) as double precision)
        end
        as double precision
    ) as share_of_recorded_complainants,
    cast(
        case when shown.group_name = 'All recorded' then 1.0 else population.population_share end
        as double precision
    ) as population_share,
    cast(
        case
            when
                shown.group_name <> 'Not recorded'
                and shown.complainants_hidden = 0
                and shown.total_complainants_hidden = 0
                then shown.complainants
                    / cast(nullif(shown.total_complainants, 0) as double precision)
                    / nullif(
                        case
                            when shown.group_name = 'All recorded' then 1.0
                            else population.population_share
                        end,
                        0
                    )
        end
        as double precision
    ) as representation_ratio,
    cast(case when shown.responses_hidden = 0 then shown.stage1_responses end as integer)
        as stage1_responses,
    cast(case when shown.upheld_hidden = 0 then shown.upheld_responses end as integer)
        as upheld_responses,
    cast(
        case
            when shown.responses_hidden = 0 and shown.upheld_hidden = 0
                then shown.upheld_responses / cast(nullif(shown.stage1_responses, 0) as double precision)
        end
        as double precision
    ) as uphold_rate,
    shown.complainants_hidden + shown.responses_hidden + shown.upheld_hidden > 0 as has_suppressed_cells
from shown
left join population
    on shown.characteristic = population.characteristic and shown.group_name = population.group_name
