@spec @infra
Feature: AviInfraSetting on a shared VIP
  "AviInfraSetting resources can be attached to LoadBalancer kubernetes services using annotation
  aviinfrasetting.ako.vmware.com/name ... LoadBalancer services which are intended to share a VIP,
  must have same avinfrasetting annotation value." (spec; behaviour.md section 9)

  Scenario: Members with the same AviInfraSetting use its SE group and VIP network
    Given the AviInfraSetting "infra-1" with SE group "SEG-2" and VIP network "vip-network-2"
    And the AviInfraSetting "infra-1" has status "Accepted"
    When I create the Services:
      | name | shared-vip | ports  | infra   |
      | lb1  | key-1      | 80/TCP | infra-1 |
      | lb2  | key-1      | 80/UDP | infra-1 |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.197.10"
    And the virtual service "cluster--default-key-1" has:
      | field        | value |
      | se_group_ref | SEG-2 |
    And the vsvip "cluster--default-key-1" has:
      | field                              | value         |
      | vip.0.ipam_network_subnet.network_ref | vip-network-2 |

  @deviation_events
  Scenario: An AviInfraSetting naming an SE group the controller lacks is rejected
    Given the AviInfraSetting "bad-infra" with SE group "No-Such-Group" and VIP network "vip-network"
    Then the AviInfraSetting "bad-infra" has status "Rejected" mentioning "No-Such-Group"
    When I create the Services:
      | name | shared-vip | ports  | infra     |
      | lb1  | key-1      | 80/TCP | bad-infra |
      | lb2  | key-1      | 80/UDP | bad-infra |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has:
      | field        | value         |
      | se_group_ref | Default-Group |
    And the Service "lb1" has a Warning Event "AviInfraSettingNotApplied" mentioning "bad-infra"

  @deviation_events
  Scenario: A missing AviInfraSetting falls back to the defaults with a warning
    When I create the Services:
      | name | shared-vip | ports  | infra   |
      | lb1  | key-1      | 80/TCP | missing |
      | lb2  | key-1      | 80/UDP | missing |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the Service "lb2" has a Warning Event mentioning "missing"

  @lifecycle @deviation_infra_update
  Scenario: Changing the AviInfraSetting reconciles every group that uses it
    Given the AviInfraSetting "infra-1" with SE group "SEG-2" and VIP network "vip-network"
    And the Services:
      | name | shared-vip | ports  | infra   |
      | lb1  | key-1      | 80/TCP | infra-1 |
      | lb2  | key-1      | 80/UDP | infra-1 |
      | lb3  | key-2      | 81/TCP | infra-1 |
    And the virtual service "cluster--default-key-1" has:
      | field        | value |
      | se_group_ref | SEG-2 |
    When I patch the AviInfraSetting "infra-1" with:
      """
      {"spec": {"seGroup": {"name": "Default-Group"}}}
      """
    Then the virtual service "cluster--default-key-1" has:
      | field        | value         |
      | se_group_ref | Default-Group |
    And the virtual service "cluster--default-key-2" has:
      | field        | value         |
      | se_group_ref | Default-Group |
    And the Services "lb1, lb2" show the VIP of the virtual service "cluster--default-key-1"
