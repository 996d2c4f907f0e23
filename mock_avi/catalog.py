"""The controller's object catalogue: every object type of the Avi 30.2.1 API, in our notation.

Two kinds of declaration, both plain facts about the published API (names, kinds, defaults, the
version that introduced a field), written in a compact notation of this project and parsed here:

- ``TYPE_TABLE``: one line per top-level object path: ``<path> <Model> <flags> <required>...``
  (an indented line continues the one above).
  Flags: ``t`` has a tenant, ``c`` belongs to a cloud, ``s`` singleton (no uuid in the path),
  ``i`` inventory view (computed, read-only), ``-`` none. The mock stores these generically.
- ``FIELDS``: the full top-level field list of the types with behaviour (VirtualService, VsVip,
  Pool, PoolGroup, L4PolicySet) and of their main list elements (``services[].port``), one field
  a line: ``<name> <kind>[=<default>] [@<introduced in>] [ro] [req]``. Kinds: ``s`` string,
  ``i`` integer, ``n`` number, ``b`` boolean, ``r`` reference, ``R`` list of references,
  ``S`` list of strings, ``I`` list of integers, ``o`` object, ``L`` list of objects.
- ``GENERIC_DEFAULTS_TABLE``: the top-level defaults of every type stored generically (one
  ``<path> <field> <kind>=<value>`` a line), filled in on create as for the behaviour types.

No descriptions, no schema documents: the mock's tests hold these facts against the published
schema files (``tests/contract/avi/test_schema_*.py``). Pure data and a parser; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TYPE_TABLE = """
actiongroupconfig ActionGroupConfig t external_only level name
albservicesconfig ALBServicesConfig t app_signature_config case_config feature_opt_in_status
    ip_reputation_config portal_url saas_licensing_config user_agent_db_config waf_config
albservicesfiledownload ALBServicesFileDownload t destination_dir file_type file_uri name
albservicesfileupload ALBServicesFileUpload t file_path name
albservicesjob ALBServicesJob t command name
alert Alert t alert_config_ref level name obj_key obj_uuid reason state summary timestamp
alertconfig AlertConfig t alert_rule category name source
alertemailconfig AlertEmailConfig t name to_emails
alertobjectlist AlertObjectList t name source
alertscriptconfig AlertScriptConfig t name
alertsyslogconfig AlertSyslogConfig t name
analyticsprofile AnalyticsProfile t name
apiclifsruntime APICLifsRuntime t lif_label name tenant_name
application Application t name
applicationpersistenceprofile ApplicationPersistenceProfile t name persistence_type
applicationprofile ApplicationProfile t name type
authmappingprofile AuthMappingProfile t name type
authprofile AuthProfile t name type
autoscalelaunchconfig AutoScaleLaunchConfig t name
availabilityzone AvailabilityZone ct name
backup Backup t file_name
backupconfiguration BackupConfiguration t name
botconfigconsolidator BotConfigConsolidator t name
botdetectionpolicy BotDetectionPolicy t ip_location_detector ip_reputation_detector name
    user_agent_detector
botipreputationtypemapping BotIPReputationTypeMapping t name
botmapping BotMapping t name
certificatemanagementprofile CertificateManagementProfile t name run_script_ref
cloud Cloud t name vtype
cloud-inventory CloudInventory i
cloudconnectoruser CloudConnectorUser t name
cloudproperties CloudProperties -
cloudruntime CloudRuntime t name
cluster Cluster s
clusterclouddetails ClusterCloudDetails t name
controllerportalregistration ControllerPortalRegistration t name
controllerproperties ControllerProperties s
controllersite ControllerSite t address name
csrfpolicy CSRFPolicy t name
customerportalinfo CustomerPortalInfo - portal_url
customipamdnsprofile CustomIpamDnsProfile t name script_uri
debugcontroller DebugController t log_level name sub_module trace_level
debugserviceengine DebugServiceEngine t
debugvirtualservice DebugVirtualService ct name
dnspolicy DnsPolicy t name
dynamicdnsrecord DynamicDnsRecord t
errorpagebody ErrorPageBody t error_page_body name
errorpageprofile ErrorPageProfile t name
federationcheckpoint FederationCheckpoint t name
federationcheckpoint-inventory FederationCheckpointInventory i
fileobject FileObject t name type
geodb GeoDB t name
gslb Gslb t leader_cluster_uuid name
gslb-inventory GslbInventory i
gslbgeodbprofile GslbGeoDbProfile t name
gslbservice GslbService t name
gslbservice-inventory GslbServiceInventory i
hardwaresecuritymodulegroup HardwareSecurityModuleGroup t hsm name
healthmonitor HealthMonitor t name type
httppolicyset HTTPPolicySet t name
icapprofile IcapProfile ct name pool_group_ref service_uri
image Image t name
inventoryfaultconfig InventoryFaultConfig t
ipaddrgroup IpAddrGroup t name
ipamdnsproviderprofile IpamDnsProviderProfile t name type
ipreputationdb IPReputationDB t name vendor
jobs JobEntry t expires_at name obj_key
jwtprofile JWTProfile t jwt_auth_type name
jwtserverprofile JWTServerProfile t name
l4policyset L4PolicySet t name
labelgroup LabelGroup - name
license ControllerLicense - customer_name valid_until
logcontroller LogControllerMapping t vs_uuid
memorybalancernotifier MemoryBalancerRequest t name
microservice MicroService t application_name name orchestrator_name
microservicegroup MicroServiceGroup t name
natpolicy NatPolicy t
network Network ct name
network-inventory NetworkInventory i
networkprofile NetworkProfile t name profile
networkruntime NetworkRuntime t name
networksecuritypolicy NetworkSecurityPolicy t
networkservice NetworkService ct name se_group_ref service_type vrf_ref
nsxtsegmentruntime NsxtSegmentRuntime ct
objectaccesspolicy ObjectAccessPolicy t name rules
pingaccessagent PingAccessAgent t name pingaccess_pool_ref primary_server properties_file_data
pkiprofile PKIProfile t name
pool Pool ct name
pool-inventory PoolInventory i
poolgroup PoolGroup ct name
poolgroup-inventory PoolGroupInventory i
poolgroupdeploymentpolicy PoolGroupDeploymentPolicy t name
portalfileupload PortalFileUpload t file_path name
prioritylabels PriorityLabels ct name
protocolparser ProtocolParser t name parser_code
role Role t name
scheduler Scheduler t name
scpoolserverstateinfo SCPoolServerStateInfo t
scvsstateinfo SCVsStateInfo t
securechannelavailablelocalips SecureChannelAvailableLocalIPs - name
securechannelmapping SecureChannelMapping - name
securechanneltoken SecureChannelToken - name
securitymanagerdata SecurityManagerData t name
securitypolicy SecurityPolicy t dns_policy_index name network_security_policy_index
seproperties SeProperties s
serverautoscalepolicy ServerAutoScalePolicy t name
serviceauthprofile ServiceAuthProfile t name type
serviceengine ServiceEngine ct
serviceengine-inventory ServiceEngineInventory i
serviceenginegroup ServiceEngineGroup ct name
serviceenginegroup-inventory ServiceEngineGroupInventory i
serviceenginepolicy ServiceEnginePolicy t name se_group_ref vrf_ref
siteversion SiteVersion t name
snmptrapprofile SnmpTrapProfile t name
sslkeyandcertificate SSLKeyAndCertificate t certificate name
sslprofile SSLProfile t name
ssopolicy SSOPolicy t name type
statediffoperation StatediffOperation t
stringgroup StringGroup t name type
systemconfiguration SystemConfiguration s
systemlimits SystemLimits -
systemreport SystemReport t
tenant Tenant - name
tenantsystemconfiguration TenantSystemConfiguration t name
testsedatastorelevel1 TestSeDatastoreLevel1 t name
testsedatastorelevel2 TestSeDatastoreLevel2 t name
testsedatastorelevel3 TestSeDatastoreLevel3 t name
trafficcloneprofile TrafficCloneProfile ct name
upgradestatusinfo UpgradeStatusInfo t
upgradestatussummary UpgradeStatusSummary t
user User - name
useraccountprofile UserAccountProfile - name
useractivity UserActivity -
vcenterserver VCenterServer ct name
vimgrclusterruntime VIMgrClusterRuntime ct managed_object_id name type
vimgrcontrollerruntime VIMgrControllerRuntime t name type
vimgrdcruntime VIMgrDCRuntime ct managed_object_id name type
vimgrhostruntime VIMgrHostRuntime ct managed_object_id name type
vimgrnwruntime VIMgrNWRuntime ct managed_object_id name type
vimgrsevmruntime VIMgrSEVMRuntime ct managed_object_id name type
vimgrvcenterdatacenters VIDCInfo t managed_object_id name
vimgrvcenternetworks VIPGNameInfo t managed_object_id name
vimgrvcenterruntime VIMgrVcenterRuntime ct name password type username vcenter_url
vimgrvmruntime VIMgrVMRuntime ct managed_object_id name type
virtualservice VirtualService ct name
virtualservice-inventory VsInventory i
vrfcontext VrfContext ct name
vsdatascriptset VSDataScriptSet t name
vsgs VsGs t
vsvip VsVip ct name
vsvip-inventory VsvipInventory i config
wafapplicationsignatureprovider WafApplicationSignatureProvider t
wafcrs WafCRS t description integrity name release_date version
wafpolicy WafPolicy t mode name waf_profile_ref
wafpolicypsmgroup WafPolicyPSMGroup t name
wafpolicypsmgroup-inventory WafPolicyPSMGroupInventory i
wafprofile WafProfile t config name
webapput WebappUT t name
webhook Webhook t name
"""

VIRTUALSERVICE = """

_last_modified s ro
active_standby_se_tag s=ACTIVE_STANDBY_SE_1
advertise_down_vs b @20.1.1
allow_invalid_client_cert b @18.2.3
analytics_policy o
analytics_profile_ref r
application_profile_ref r
azure_availability_set s @17.2.12 ro
bgp_local_preference i @30.2.1
bgp_num_as_path_prepend i @30.2.1
bgp_peer_labels S @20.1.5
bot_policy_ref r @21.1.1
bulk_sync_kvcache b @17.2.7
close_client_conn_on_config_update b @17.2.4
cloud_config_cksum s
cloud_ref r
cloud_type s=CLOUD_NONE
configpb_attributes o @21.1.1
connections_rate_limit o
content_rewrite o
created_by s
csrf_policy_ref r @30.2.1
delay_fairness b
description s
dns_info L
dns_policies L @17.1.1
east_west_placement b
enable_autogw b=true
enable_rhi b
enable_rhi_snat b
enable_session b @30.2.1
enabled b=true
error_page_profile_ref r @17.2.4
flow_dist s=LOAD_AWARE
flow_label_type s=NO_LABEL
fqdn s
host_name_xlate s
http_policies L
icap_request_profile_refs R @20.1.1
ign_pool_net_reach b
jwt_config o @20.1.3
l4_policies L @17.2.7
ldap_vs_config o @21.1.1
limit_doser b
markers L @20.1.5
max_cps_per_client i
microservice_ref r
min_pools_up i @18.2.1
name s req
network_profile_ref r
network_security_policy_ref r
nsx_securitygroup S @17.1.1
oauth_vs_config o @21.1.3
performance_limits o
pool_group_ref r
pool_ref r
remove_listening_port_on_vs_down b
requests_rate_limit o
revoke_vip_route b @30.2.1
saml_sp_config o @18.2.3
scaleout_ecmp b
se_group_ref r
security_policy_ref r @18.2.1
server_network_profile_ref r
service_metadata s
service_pool_select L
services L
sideband_profile o
snat_ip L
snat_ip6_addresses L @30.2.1
sp_pool_refs R @17.2.2 ro
ssl_key_and_certificate_refs R
ssl_profile_ref r
ssl_profile_selectors L @18.2.3
ssl_sess_cache_avg_size i=1024
sso_policy_ref r @18.2.3
static_dns_records L
tenant_ref r
test_se_datastore_level_1_ref r @18.2.6
topology_policies L @18.2.3
traffic_clone_profile_ref r @17.1.1
traffic_enabled b=true @17.2.8
type s=VS_TYPE_NORMAL
url s ro
use_bridge_ip_as_vip b
use_vip_as_snat b @17.1.9
uuid s
vh_domain_name S
vh_matches L @20.1.3
vh_parent_vs_ref r
vh_type s=VS_TYPE_VH_SNI @20.1.3
vip L @17.1.1
vrf_context_ref r
vs_datascripts L
vsvip_cloud_config_cksum s @17.2.9
vsvip_ref r @17.1.1
waf_policy_ref r @17.2.1
weight i=1
services[].enable_http2 b @20.1.1
services[].enable_ssl b
services[].horizon_internal_ports b @21.1.3
services[].is_active_ftp_data_port b @22.1.1
services[].override_application_profile_ref r @17.2.4
services[].override_network_profile_ref r
services[].port i req
services[].port_range_end i
service_pool_select[].service_pool_group_ref r
service_pool_select[].service_pool_ref r
service_pool_select[].service_port i req
service_pool_select[].service_port_range_end i @17.2.4
service_pool_select[].service_protocol s
l4_policies[].index i @17.2.7 req
l4_policies[].l4_policy_set_ref r @17.2.7 req
"""

VSVIP = """

_last_modified s ro
bgp_local_preference i @30.2.1
bgp_num_as_path_prepend i @30.2.1
bgp_peer_labels S @20.1.5
cloud_ref r @17.1.1
configpb_attributes o @21.1.1
dns_info L @17.1.1
east_west_placement b @17.1.1
ipam_selector o @20.1.3
markers L @20.1.5
name s @17.1.1 req
tenant_ref r @17.1.1
tier1_lr s @20.1.1
url s ro
use_standard_alb b @18.2.3
uuid s @17.1.1
vip L @17.1.1
vrf_context_ref r @17.1.1
vsvip_cloud_config_cksum s @17.2.9
vip[].auto_allocate_floating_ip b @17.1.1
vip[].auto_allocate_ip b @17.1.1
vip[].auto_allocate_ip_type s=V4_ONLY @18.1.1
vip[].availability_zone s @17.1.1
vip[].avi_allocated_fip b @17.1.1
vip[].avi_allocated_vip b @17.1.1
vip[].discovered_networks L @17.1.1
vip[].enabled b=true @17.1.1
vip[].floating_ip o @17.1.1
vip[].floating_ip6 o @18.1.1
vip[].floating_subnet6_uuid s @18.1.1
vip[].floating_subnet_uuid s @17.1.1
vip[].ip6_address o @18.1.1
vip[].ip_address o @17.1.1
vip[].ipam_network_subnet o @17.1.1
vip[].network_ref r @17.1.1
vip[].placement_networks L @18.2.5
vip[].port_uuid s @17.1.1
vip[].prefix_length i=32 @20.1.1
vip[].subnet o @17.1.1
vip[].subnet6 o @18.1.1
vip[].subnet6_uuid s @18.1.1
vip[].subnet_uuid s @17.1.1
vip[].vip_id s @17.1.1 req
dns_info[].algorithm s=DNS_RECORD_RESPONSE_CONSISTENT_HASH @17.1.1
dns_info[].cname o @17.2.1
dns_info[].fqdn s
dns_info[].metadata s @17.2.2 ro
dns_info[].num_records_in_response i @17.1.1
dns_info[].ttl i
dns_info[].type s=DNS_RECORD_A
"""

POOL = """

_last_modified s ro
analytics_policy o @18.1.5
analytics_profile_ref r @18.1.4
append_port s=NON_DEFAULT_80_443 @21.1.1
application_persistence_profile_ref r
autoscale_launch_config_ref r
autoscale_networks S
autoscale_policy_ref r
capacity_estimation b
capacity_estimation_ttfb_thresh i
cloud_config_cksum s
cloud_ref r
configpb_attributes o @21.1.1
conn_pool_properties o @18.2.1
connection_ramp_duration i=10
created_by s
default_server_port i=80
delete_server_on_dns_refresh b=true @18.2.3
description s
domain_name S
east_west b
enable_http2 b @20.1.1
enabled b=true
external_autoscale_groups S @17.1.2
fail_action o
fewest_tasks_feedback_delay i=10
graceful_disable_timeout i=1
graceful_hm_down_disable_timeout i=-1 @30.2.1
gslb_sp_enabled b @17.2.1 ro
health_monitor_refs R
horizon_profile o @21.1.3
host_check_enabled b
http2_properties o @21.1.1
ignore_server_port b @20.1.1
inline_health_monitor b=true
ipaddrgroup_ref r
lb_algo_rr_per_se b @21.1.5
lb_algorithm s=LB_ALGORITHM_LEAST_CONNECTIONS
lb_algorithm_consistent_hash_hdr s
lb_algorithm_core_nonaffinity i=2 @17.1.3
lb_algorithm_hash s=LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS
lookup_server_by_name b @17.1.11
markers L @20.1.5
max_concurrent_connections_per_server i
max_conn_rate_per_server o
min_health_monitors_up i @18.2.1
min_servers_up i @18.2.1
name s req
networks L
nsx_securitygroup S @17.1.1
pki_profile_ref r
placement_networks L
pool_type s=POOL_TYPE_GENERIC_APP @22.1.1
request_queue_depth i=128
request_queue_enabled b
resolve_pool_by_dns b @18.2.10
rewrite_host_header_to_server_name b
rewrite_host_header_to_sni b
routing_pool b @20.1.1
server_disable_type s=DISALLOW_NEW_CONNECTION @21.1.1
server_name s
server_reselect o
server_timeout i @18.1.5
servers L
service_metadata s @17.2.14
sni_enabled b=true
sp_gs_info o @22.1.3
ssl_key_and_certificate_ref r
ssl_profile_ref r
tenant_ref r
tier1_lr s @20.1.1
url s ro
use_service_port b
use_service_ssl_mode b @21.1.1
uuid s
vrf_ref r
servers[].autoscaling_group_name s @17.1.2
servers[].availability_zone s
servers[].description s
servers[].discovered_networks L
servers[].enabled b=true
servers[].external_orchestration_id s
servers[].external_uuid s
servers[].hostname s
servers[].ip o req
servers[].location o @17.1.1
servers[].mac_address s
servers[].nw_ref r
servers[].port i
servers[].preference_order i @22.1.1
servers[].prst_hdr_val s
servers[].ratio i=1
servers[].resolve_server_by_dns b
servers[].rewrite_host_header b
servers[].server_node s
servers[].static b
servers[].verify_network b
servers[].vm_ref r
"""

POOLGROUP = """

_last_modified s ro
cloud_config_cksum s
cloud_ref r
configpb_attributes o @21.1.1
created_by s
deactivate_primary_pool_on_down b @20.1.7
deployment_policy_ref r
description s
enable_http2 b @20.1.1
fail_action o
implicit_priority_labels b @17.1.9
markers L @20.1.5
members L
min_servers i
name s req
priority_labels_ref r
service_metadata s @17.2.14
tenant_ref r
url s ro
uuid s
members[].deployment_state s
members[].pool_ref r req
members[].priority_label s
members[].ratio i=1
"""

L4POLICYSET = """

_last_modified s ro
configpb_attributes o @21.1.1
created_by s @17.2.7
description s @17.2.7
is_internal_policy b @17.2.7
l4_connection_policy o @17.2.7
markers L @20.1.5
name s @17.2.7 req
tenant_ref r @17.2.7
url s ro
uuid s @17.2.7
l4_connection_policy.rules L @17.2.7
l4_connection_policy.rules[].action o @17.2.7
l4_connection_policy.rules[].enable b=true @17.2.7
l4_connection_policy.rules[].index i @17.2.7 req
l4_connection_policy.rules[].match o @17.2.7
l4_connection_policy.rules[].name s @17.2.7 req
"""


# The schema's top-level defaults of the types stored generically (and of the profiles stored as
# given): ``<path> <field> <kind>=<value>`` (the value runs to the end of the line).
GENERIC_DEFAULTS_TABLE = """
actiongroupconfig level s=ALERT_LOW
albservicesconfig mode s=MYVMWARE
albservicesconfig polling_interval i=10
albservicesconfig use_tls b=true
albservicesjob status s=PENDING
alertconfig category s=REALTIME
alertconfig enabled b=true
alertconfig expiry_time i=86400
alertconfig rolling_window i=300
alertconfig threshold i=1
alertconfig throttle i=600
analyticsprofile apdex_response_threshold i=500
analyticsprofile apdex_response_tolerated_factor n=4.0
analyticsprofile apdex_rtt_threshold i=250
analyticsprofile apdex_rtt_tolerated_factor n=4.0
analyticsprofile apdex_rum_threshold i=5000
analyticsprofile apdex_rum_tolerated_factor n=4.0
analyticsprofile apdex_server_response_threshold i=400
analyticsprofile apdex_server_response_tolerated_factor n=4.0
analyticsprofile apdex_server_rtt_threshold i=125
analyticsprofile apdex_server_rtt_tolerated_factor n=4.0
analyticsprofile conn_lossy_ooo_threshold i=50
analyticsprofile conn_lossy_timeo_rexmt_threshold i=20
analyticsprofile conn_lossy_total_rexmt_threshold i=50
analyticsprofile conn_lossy_zero_win_size_event_threshold i=2
analyticsprofile conn_server_lossy_ooo_threshold i=50
analyticsprofile conn_server_lossy_timeo_rexmt_threshold i=20
analyticsprofile conn_server_lossy_total_rexmt_threshold i=50
analyticsprofile conn_server_lossy_zero_win_size_event_threshold i=2
analyticsprofile enable_adaptive_config b=true
analyticsprofile enable_advanced_analytics b=true
analyticsprofile enable_ondemand_metrics b=true
analyticsprofile enable_se_analytics b=true
analyticsprofile enable_server_analytics b=true
analyticsprofile enable_vs_analytics b=true
analyticsprofile exclude_issuer_revoked_ocsp_responses_as_error b=true
analyticsprofile exclude_revoked_ocsp_responses_as_error b=true
analyticsprofile exclude_stale_ocsp_responses_as_error b=true
analyticsprofile exclude_unavailable_ocsp_responses_as_error b=true
analyticsprofile healthscore_max_server_limit i=20
analyticsprofile hs_event_throttle_window i=1209600
analyticsprofile hs_max_anomaly_penalty i=10
analyticsprofile hs_max_resources_penalty i=25
analyticsprofile hs_max_security_penalty i=100
analyticsprofile hs_min_dos_rate i=1000
analyticsprofile hs_pscore_traffic_threshold_l4_client n=10.0
analyticsprofile hs_pscore_traffic_threshold_l4_server n=10.0
analyticsprofile hs_security_certscore_gt30d n=5.0
analyticsprofile hs_security_certscore_le07d n=2.0
analyticsprofile hs_security_certscore_le30d n=4.0
analyticsprofile hs_security_chain_invalidity_penalty n=1.0
analyticsprofile hs_security_cipherscore_ge128b n=5.0
analyticsprofile hs_security_cipherscore_lt128b n=3.5
analyticsprofile hs_security_encalgo_score_rc4 n=2.5
analyticsprofile hs_security_hsts_penalty n=1.0
analyticsprofile hs_security_nonpfs_penalty n=1.0
analyticsprofile hs_security_selfsignedcert_penalty n=1.0
analyticsprofile hs_security_ssl30_score n=3.5
analyticsprofile hs_security_tls10_score n=5.0
analyticsprofile hs_security_tls11_score n=5.0
analyticsprofile hs_security_tls12_score n=5.0
analyticsprofile hs_security_tls13_score n=5.0
analyticsprofile hs_security_weak_signature_algo_penalty n=1.0
analyticsprofile ondemand_metrics_idle_timeout i=1800
analyticsprofile sip_log_depth i=20
applicationpersistenceprofile persistence_type s=PERSISTENCE_TYPE_CLIENT_IP_ADDRESS
applicationpersistenceprofile server_hm_down_recovery s=HM_DOWN_PICK_NEW_SERVER
autoscalelaunchconfig use_external_asg b=true
backupconfiguration maximum_backups_stored i=4
backupconfiguration remote_file_transfer_protocol s=SCP
controllersite port i=443
csrfpolicy cookie_name s=X-CSRF-TOKEN
csrfpolicy token_validity_time_min i=360
customerportalinfo polling_interval i=10
debugserviceengine benchmark_action s=SE_BENCHMARK_MODE_DROP
debugserviceengine benchmark_layer s=SE_BENCHMARK_LAYER_NONE
debugserviceengine benchmark_option s=SE_BENCHMARK_REFLECT_SWAP_L4
debugserviceengine benchmark_rss_hash s=SE_BENCHMARK_DISABLE_HASH
debugserviceengine name s=VM name unknown
debugvirtualservice debug_hm s=DEBUG_VS_HM_NONE
dynamicdnsrecord algorithm s=DNS_RECORD_RESPONSE_ROUND_ROBIN
errorpagebody format s=ERROR_PAGE_FORMAT_HTML
federationcheckpoint is_federated b=true
gslb clear_on_max_retries i=20
gslb error_resync_interval i=300
gslb is_federated b=true
gslb send_interval i=15
gslb tenant_scoped b=true
gslbgeodbprofile is_federated b=true
gslbservice controller_health_status_enabled b=true
gslbservice enabled b=true
gslbservice health_monitor_scope s=GSLB_SERVICE_HEALTH_MONITOR_ALL_MEMBERS
gslbservice is_federated b=true
gslbservice pool_algorithm s=GSLB_SERVICE_ALGORITHM_PRIORITY
gslbservice use_edns_client_subnet b=true
icapprofile allow_204 b=true
icapprofile buffer_size i=51200
icapprofile buffer_size_exceed_action s=ICAP_FAIL_OPEN
icapprofile enable_preview b=true
icapprofile fail_action s=ICAP_FAIL_OPEN
icapprofile preview_size i=5000
icapprofile response_timeout i=60000
icapprofile slow_response_warning_threshold i=10000
icapprofile vendor s=ICAP_VENDOR_OPSWAT
image fips_mode_transition_applicable b=true
jwtserverprofile jwt_profile_type s=CLIENT_AUTH
logcontroller metrics_mgr_port s=METRICS_MGR_PORT_0
logcontroller prev_metrics_mgr_port s=METRICS_MGR_PORT_0
nsxtsegmentruntime dhcp_enabled b=true
pkiprofile crl_check b=true
pkiprofile validate_only_leaf_crl b=true
poolgroupdeploymentpolicy auto_disable_old_prod_pools b=true
poolgroupdeploymentpolicy evaluation_duration i=300
poolgroupdeploymentpolicy scheme s=BLUE_GREEN
poolgroupdeploymentpolicy target_test_traffic_ratio i=100
poolgroupdeploymentpolicy test_traffic_ratio_rampup i=100
role allow_unlabelled_access b=true
scheduler enabled b=true
scheduler scheduler_action s=SCHEDULER_ACTION_BACKUP
securechannelmapping status s=SECURE_CHANNEL_NONE
securitypolicy oper_mode s=DETECTION
serverautoscalepolicy intelligent_scalein_margin i=40
serverautoscalepolicy intelligent_scaleout_margin i=20
serverautoscalepolicy max_scalein_adjustment_step i=1
serverautoscalepolicy max_scaleout_adjustment_step i=1
serverautoscalepolicy scalein_cooldown i=300
serverautoscalepolicy scaleout_cooldown i=300
serviceengine container_type s=CONTAINER_TYPE_HOST
serviceengine enable_state s=SE_STATE_ENABLED
serviceengine name s=VM name unknown
sslkeyandcertificate format s=SSL_PEM
sslkeyandcertificate ocsp_error_status s=OCSP_ERR_CERTSTATUS_DISABLED
sslkeyandcertificate status s=SSL_CERTIFICATE_FINISHED
sslprofile accepted_ciphers s=AES:3DES:RC4
sslprofile ciphersuites s=TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256
sslprofile ec_named_curve s=auto
sslprofile enable_ssl_session_reuse b=true
sslprofile send_close_notify b=true
sslprofile signature_algorithm s=auto
sslprofile ssl_session_timeout i=86400
sslprofile type s=SSL_PROFILE_TYPE_APPLICATION
ssopolicy type s=SSO_TYPE_SAML
stringgroup type s=SG_TYPE_STRING
user is_active b=true
useraccountprofile account_lock_timeout i=30
useraccountprofile credentials_timeout_threshold i=180
useraccountprofile max_login_failure_count i=3
useraccountprofile max_password_history_count i=4
vimgrhostruntime cntlr_accessible b=true
vimgrhostruntime connection_state s=connected
vimgrhostruntime quarantined_periods i=1
vimgrvmruntime se_ver i=1
wafapplicationsignatureprovider filter_rules_on_import b=true
wafpolicy allow_mode_delegation b=true
wafpolicy bypass_static_extensions b=true
wafpolicy enable_auto_rule_updates b=true
wafpolicy failure_mode s=WAF_FAILURE_MODE_OPEN
wafpolicy min_confidence s=CONFIDENCE_VERY_HIGH
wafpolicy mode s=WAF_MODE_DETECTION_ONLY
wafpolicy paranoia_level s=WAF_PARANOIA_LEVEL_LOW
wafpolicy updated_crs_rules_in_detection_mode b=true
wafpolicypsmgroup enable b=true
wafpolicypsmgroup hit_action s=WAF_ACTION_ALLOW_PARAMETER
wafpolicypsmgroup miss_action s=WAF_ACTION_NO_OP
webapput default_first_int i=1
webapput default_second_int i=2
webapput default_string s=default string
webapput default_third_int i=3
"""


@dataclass(frozen=True)
class TypeFacts:
    path: str
    model: str
    tenant: bool
    cloud: bool
    singleton: bool
    inventory: bool
    required: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    kind: str
    default: Any = None
    has_default: bool = False
    since: tuple[int, ...] | None = None
    read_only: bool = False
    required: bool = False


def _types(table: str) -> dict[str, TypeFacts]:
    out: dict[str, TypeFacts] = {}
    rows: list[list[str]] = []
    for line in table.strip().splitlines():
        if line.startswith(" "):
            rows[-1].extend(line.split())
        else:
            rows.append(line.split())
    for parts in rows:
        path, model, flags = parts[0], parts[1], parts[2]
        required = tuple(parts[3:])
        out[path] = TypeFacts(
            path, model, "t" in flags, "c" in flags, "s" in flags, "i" in flags, required
        )
    return out


def version_tuple(text: str) -> tuple[int, ...]:
    """``20.1.1`` (or ``v20_1_1``) -> (20, 1, 1); ValueError when it is not a version."""
    core = text.strip().lstrip("vV").replace("_", ".")
    parts = tuple(int(p) for p in core.split("."))
    if not 1 <= len(parts) <= 4 or any(p < 0 for p in parts):
        raise ValueError(text)
    return parts


def _value(kind: str, raw: str) -> Any:
    if kind == "b":
        return raw == "true"
    if kind == "i":
        return int(raw)
    if kind == "n":
        return float(raw)
    return raw


def _fields(block: str) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for line in block.strip().splitlines():
        name, spec, *marks = line.split()
        kind, has_default, raw = spec[0], "=" in spec, spec.partition("=")[2]
        since = next((version_tuple(m[1:]) for m in marks if m.startswith("@")), None)
        out[name] = Field(
            kind,
            _value(kind, raw) if has_default else None,
            has_default,
            since,
            "ro" in marks,
            "req" in marks,
        )
    return out


def _generic_defaults(table: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in table.strip().splitlines():
        path, name, spec = line.split(maxsplit=2)
        kind, _, raw = spec.partition("=")
        out.setdefault(path, {})[name] = _value(kind, raw)
    return out


TYPES: Mapping[str, TypeFacts] = _types(TYPE_TABLE)
GENERIC_DEFAULTS: Mapping[str, Mapping[str, Any]] = _generic_defaults(GENERIC_DEFAULTS_TABLE)
# Read-only in every type's schema: the server sets them.
READ_ONLY_COMMON = ("url", "_last_modified")
FIELDS: Mapping[str, Mapping[str, Field]] = {
    "virtualservice": _fields(VIRTUALSERVICE),
    "vsvip": _fields(VSVIP),
    "pool": _fields(POOL),
    "poolgroup": _fields(POOLGROUP),
    "l4policyset": _fields(L4POLICYSET),
}


def top_level(obj_type: str) -> dict[str, Field]:
    """The top-level fields of a behaviour type (no ``[]`` or ``.`` in the name)."""
    return {k: f for k, f in FIELDS[obj_type].items() if "." not in k}


def element(obj_type: str, prefix: str) -> dict[str, Field]:
    """The fields of one nested object, e.g. ``element("virtualservice", "services[]")``."""
    lead = prefix + "."
    return {
        k[len(lead) :]: f
        for k, f in FIELDS[obj_type].items()
        if k.startswith(lead) and "." not in k[len(lead) :]
    }
