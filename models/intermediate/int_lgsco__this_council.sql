-- The council's organisation key on the LGSCO's data: the lgsco_authorities seed row whose
-- authority_name is the var lgsco_authority_name (add the council to the seed if missing).

select organisation_key
from {{ ref('lgsco_authorities') }}
where lower(trim(authority_name)) = lower(trim('{{ var("lgsco_authority_name") }}'))
