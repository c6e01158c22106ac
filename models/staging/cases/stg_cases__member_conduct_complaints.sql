with source as (

    select * from {{ source('cases', 'member_conduct_complaints') }}

),

renamed as (

    select
        cast(complaint_ref as {{ dbt.type_string() }}) as complaint_ref,
        cast(received_date as date) as received_date,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
