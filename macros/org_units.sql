{#
    Canonical (today's) name of a recorded directorate or service through the org_units
    seed: the alias whose validity dates hold the record's date is preferred, else any
    alias of that name. Returns a select of (key, canonical_name, directorate) from
    `relation`, one row per key that matched.
#}
{% macro org_unit_match(relation, key, recorded_name, on_date, unit_type) %}
    select
        matched.{{ key }},
        matched.canonical_name,
        matched.directorate
    from (
        select
            records.{{ key }},
            org_units.canonical_name,
            org_units.directorate,
            row_number() over (
                partition by records.{{ key }}
                order by
                    case
                        when
                            records.{{ on_date }}
                            between coalesce(cast(org_units.valid_from as date), records.{{ on_date }})
                            and coalesce(cast(org_units.valid_to as date), records.{{ on_date }})
                            then 0
                        else 1
                    end
            ) as preference
        from {{ relation }} as records
        inner join {{ ref('org_units') }} as org_units
            on
                org_units.unit_type = '{{ unit_type }}'
                and lower(trim(org_units.recorded_name)) = lower(trim(records.{{ recorded_name }}))
    ) as matched
    where matched.preference = 1
{% endmacro %}
