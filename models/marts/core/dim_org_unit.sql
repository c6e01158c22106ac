-- One row per canonical directorate or service (today's names), with the names it has
-- been recorded under (aliases) from the org_units seed.

with org_units as (

    select * from {{ ref('org_units') }}

),

canonical as (

    select
        unit_type,
        canonical_name,
        max(directorate) as directorate,
        max(case when recorded_name = canonical_name then cast(valid_from as date) end)
            as valid_from,
        max(case when recorded_name = canonical_name then cast(valid_to as date) end)
            as valid_to,
        count(*) as names_recorded
    from org_units
    group by unit_type, canonical_name

),

aliases as (

    select
        unit_type,
        canonical_name,
        {{ dbt.listagg('recorded_name', "'; '", "order by recorded_name") }} as aliases
    from org_units
    where recorded_name <> canonical_name
    group by unit_type, canonical_name

)

select
    {{ dbt.hash("canonical.unit_type || '|' || canonical.canonical_name") }} as org_unit_key,
    canonical.unit_type,
    canonical.canonical_name as org_unit_name,
    case when canonical.unit_type = 'directorate'
            then canonical.canonical_name
        else canonical.directorate
    end as directorate,
    canonical.valid_from,
    canonical.valid_to,
    aliases.aliases
from canonical
left join aliases
    on canonical.unit_type = aliases.unit_type
        and canonical.canonical_name = aliases.canonical_name
