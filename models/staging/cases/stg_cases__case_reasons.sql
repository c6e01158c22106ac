with source as (

    select * from {{ source('cases', 'case_reasons') }}

),

renamed as (

    select
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(is_primary as boolean) as is_primary,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
