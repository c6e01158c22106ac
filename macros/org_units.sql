{#
    Canonical (today's) name of a recorded directorate or service through the org_units
    seed, as a left join named `alias` onto `relation` (a CTE, also the name its rows go by
    in the query): the alias whose validity dates hold the record's `on_date` is preferred,
    else any alias of that name (the first canonical name, so the choice is stable). The
    match is made once per distinct (name, date) of the relation, not once per record.
    Columns: `alias`.canonical_name, `alias`.directorate (null: the name is not in the seed).
#}
{% macro join_org_unit(alias, relation, recorded_name, on_date, unit_type) %}
    left join (
        select
            ranked.name_key,
            ranked.on_date_key,
            ranked.canonical_name,
            ranked.directorate
        from (
            select
                pairs.name_key,
                pairs.on_date_key,
                org_units.canonical_name,
                org_units.directorate,
                row_number() over (
                    partition by pairs.name_key, pairs.on_date_key
                    order by
                        case
                            when
                                pairs.on_date
                                between coalesce(cast(org_units.valid_from as date), pairs.on_date)
                                and coalesce(cast(org_units.valid_to as date), pairs.on_date)
                                then 0
                            else 1
                        end,
                        org_units.canonical_name,
                        org_units.directorate
                ) as preference
            from (
                select distinct
                    lower(trim({{ recorded_name }})) as name_key,
                    {{ on_date }} as on_date,
                    coalesce({{ on_date }}, cast('0001-01-01' as date)) as on_date_key
                from {{ relation }}
                where {{ recorded_name }} is not null
            ) as pairs
            inner join {{ ref('org_units') }} as org_units
                on
                    org_units.unit_type = '{{ unit_type }}'
                    and lower(trim(org_units.recorded_name)) = pairs.name_key
        ) as ranked
        where ranked.preference = 1
    ) as {{ alias }}
        on
            {{ alias }}.name_key = lower(trim({{ relation }}.{{ recorded_name }}))
            and {{ alias }}.on_date_key
            = coalesce({{ relation }}.{{ on_date }}, cast('0001-01-01' as date))
{% endmacro %}
