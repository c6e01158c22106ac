with source as (

    select * from {{ source('lgsco', 'remedy_compliance') }}

),

renamed as (

    select
        cast(year as {{ dbt.type_string() }}) as financial_year,
        cast(organisation as {{ dbt.type_string() }}) as organisation,
        cast(organisation_key as {{ dbt.type_string() }}) as organisation_key,
        cast(authority_type as {{ dbt.type_string() }}) as authority_type,
        cast(measure as {{ dbt.type_string() }}) as measure,
        cast(subject_area as {{ dbt.type_string() }}) as subject_area,
        cast(value as double precision) as value,
        cast(source_file as {{ dbt.type_string() }}) as source_file

    from source

)

select * from renamed
