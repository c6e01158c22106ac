with source as (

    select * from {{ source('cases', 'case_actions') }}

),

renamed as (

    select
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(action_date as date) as action_date,
        cast(due_date as date) as due_date,
        cast(completed_date as date) as completed_date,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
