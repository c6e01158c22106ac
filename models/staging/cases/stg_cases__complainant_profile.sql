with source as (

    select * from {{ source('cases', 'complainant_profile') }}

),

renamed as (

    select
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(age_band as {{ dbt.type_string() }}) as age_band,
        cast(sex as {{ dbt.type_string() }}) as sex,
        cast(ethnic_group as {{ dbt.type_string() }}) as ethnic_group,
        cast(disability as {{ dbt.type_string() }}) as disability,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
