@spec @misconfiguration
Feature: Members of a group must carry the same AviInfraSetting, L4Rule and class
  Any of these makes the whole group misconfigured: nothing of the group is configured, every
  member shows <pending>, gets a Warning Event SharedVipMisconfigured and the condition
  ako.vmware.com/VipAssigned=False (behaviour.md section 5).

  Background:
    Given the AviInfraSetting "infra-a" with SE group "SEG-2" and VIP network "vip-network-2"
    And the AviInfraSetting "infra-b" with SE group "Default-Group" and VIP network "vip-network"
    And the L4Rule "rule-a" in namespace "default" with:
      """
      analyticsProfileRef: System-Analytics-Profile
      """
    And the L4Rule "rule-b" in namespace "default" with:
      """
      analyticsProfileRef: System-Analytics-Profile
      """

  @deviation_events
  Scenario Outline: Members with differing <what> configure nothing
    Given the Services:
      | name | shared-vip | ports  | <column>  |
      | lb1  | key-1      | 80/TCP | <first>   |
      | lb2  | key-1      | 80/UDP | <second>  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And no vsvip exists on the controller
    And the engine logged an error containing "<log>"
    And the Service "lb1" has a Warning Event "SharedVipMisconfigured"
    And the Service "lb2" has a Warning Event "SharedVipMisconfigured"
    And the Service "lb2" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipMisconfigured"

    Examples:
      | what                         | column | first   | second  | log                                                                                  |
      | AviInfraSetting names        | infra  | infra-a | infra-b | AviInfraSetting annotation value is not consistent with Services grouped using shared-vip annotation |
      | AviInfraSetting on one only  | infra  | infra-a |         | AviInfraSetting annotation value is not consistent with Services grouped using shared-vip annotation |
      | L4Rule names                 | l4rule | rule-a  | rule-b  | L4Rule annotation value is not consistent with Services grouped using shared-vip annotation          |
      | L4Rule on one only           | l4rule |         | rule-b  | L4Rule annotation value is not consistent with Services grouped using shared-vip annotation          |

  @deviation_events
  Scenario: A member with a foreign loadBalancerClass misconfigures the whole group
    Given the Services:
      | name | shared-vip | ports   | class                 |
      | lb1  | key-1      | 80/TCP  | ako.vmware.com/avi-lb |
      | lb2  | key-1      | 80/SCTP | example.com/other-lb  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And the Service "lb1" has a Warning Event "SharedVipMisconfigured" mentioning "lb2"
    And the Service "lb1" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipMisconfigured"

  Scenario: Deleting the member with the foreign class brings the group back
    Given the Services:
      | name | shared-vip | ports   | class                |
      | lb1  | key-1      | 80/TCP  |                      |
      | lb2  | key-1      | 80/SCTP | example.com/other-lb |
    And the Service "lb1" shows EXTERNAL-IP "<pending>"
    When I delete the Service "lb2"
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service

  Scenario: Aligning the AviInfraSetting annotation brings the group back
    Given the Services:
      | name | shared-vip | ports  | infra   |
      | lb1  | key-1      | 80/TCP | infra-a |
      | lb2  | key-1      | 80/UDP | infra-b |
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When I annotate the Service "lb2" with "aviinfrasetting.ako.vmware.com/name=infra-a"
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.197.10"
    And the virtual service "cluster--default-key-1" has:
      | field        | value |
      | se_group_ref | SEG-2 |
