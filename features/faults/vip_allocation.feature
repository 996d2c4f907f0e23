@faults @vip
Feature: VIP allocation failures leave the group pending until an address is free
  "No available free IPs, a preferred IP outside the VIP network's ranges, or one held by another
  VsVip: the group is not configured, members get Warning Event VipAllocationFailed and
  <pending>, and the key is retried slowly, so a freed address is picked up without a restart. A
  group never takes an address held by another group, in any namespace." (behaviour.md 10)

  @deviation_events
  Scenario Outline: A preferred IP <why> fails the allocation
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | <ip>             |
      | lb2  | key-1      | 80/UDP |                  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And the Service "lb1" has a Warning Event "VipAllocationFailed"
    And the Service "lb2" has a Warning Event "VipAllocationFailed"

    Examples:
      | why                               | ip            |
      | outside the VIP network           | 10.20.30.40   |
      | in the subnet but not in the range | 100.64.196.5 |

  @deviation_events
  Scenario: A group never takes an address held by a group of another namespace
    Given the namespace "red"
    And the Services:
      | namespace | name | shared-vip | ports  | load-balancer-ip |
      | default   | lb1  | key-1      | 80/TCP | 100.64.196.75    |
    And the Service "lb1" shows EXTERNAL-IP "100.64.196.75"
    When I create the Services:
      | namespace | name | shared-vip | ports  | load-balancer-ip |
      | red       | lb1  | key-1      | 80/TCP | 100.64.196.75    |
    Then the Service "lb1" in namespace "red" shows EXTERNAL-IP "<pending>"
    And the Service "lb1" in namespace "red" has a Warning Event "VipAllocationFailed"
    And the Service "lb1" shows EXTERNAL-IP "100.64.196.75"
    And the controller has exactly 1 virtual service

  @deviation_events
  Scenario: An address held by another VsVip is picked up once it is freed
    Given the controller has a vsvip "squatter" holding "100.64.196.75"
    And the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75    |
      | lb2  | key-1      | 80/UDP |                  |
    And the Service "lb1" has a Warning Event "VipAllocationFailed"
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When the vsvip "squatter" is deleted on the controller
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"
    And the controller has exactly 1 virtual service

  @deviation_events
  Scenario: No free address left, then one is freed
    Given the VIP range of "vip-network" is exhausted on the controller
    And the Services:
      | name | shared-vip | ports  |
      | lb1  | key-1      | 80/TCP |
    And the Service "lb1" has a Warning Event "VipAllocationFailed" mentioning "No available free IPs"
    And the Service "lb1" shows EXTERNAL-IP "<pending>"
    When the vsvip holding "100.64.196.200" is deleted on the controller
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.200"
