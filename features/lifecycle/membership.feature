@lifecycle
Feature: Members join and leave a shared virtual service
  Every row of behaviour.md section 8 that changes group membership.

  Background:
    Given the Services:
      | name | shared-vip | ports  |
      | lb1  | key-1      | 80/TCP |
      | lb2  | key-1      | 80/UDP |
    And the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A member added gains service entries, a pool and a rule; the VIP does not change
    When I create the Services:
      | name | shared-vip | ports   |
      | lb3  | key-1      | 443/TCP |
    Then the Services "lb1, lb2, lb3" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has VIP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has services "443/TCP, 80/TCP, 80/UDP (System-UDP-Fast-Path)"
    And the virtual service "cluster--default-key-1" has the L4 rules:
      | port | protocol | pool                                |
      | 443  | TCP      | cluster--default-lb3-key-1-TCP-443 |
      | 80   | TCP      | cluster--default-lb1-key-1-TCP-80  |
      | 80   | UDP      | cluster--default-lb2-key-1-UDP-80  |

  Scenario: A member deleted takes its pools and rules with it
    When I delete the Service "lb2"
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has network profile "System-TCP-Proxy"
    And the virtual service "cluster--default-key-1" has services "80/TCP"
    And the controller has exactly 1 pool
    And the controller has no pool named "cluster--default-lb2-key-1-UDP-80"

  Scenario: Deleting the last member deletes everything and frees the VIP
    When I delete the Services "lb1, lb2"
    Then no virtualservice exists on the controller
    And no vsvip exists on the controller
    And no pool exists on the controller
    And no l4policyset exists on the controller
    When I create the Services:
      | name | shared-vip | ports  |
      | new  | other      | 80/TCP |
    Then the Service "new" shows EXTERNAL-IP "100.64.196.61"

  Scenario: Changing the annotation value of the last member of k1 moves it to k2
    When I delete the Service "lb1"
    And I annotate the Service "lb2" with "ako.vmware.com/enable-shared-vip=key-2"
    Then the controller has exactly 1 virtual service
    And the controller has no virtualservice named "cluster--default-key-1"
    And the virtual service "cluster--default-key-2" has services "80/UDP"
    And the Service "lb2" shows the VIP of the virtual service "cluster--default-key-2"

  Scenario: Changing the annotation value to another group's value joins that group
    Given the Services:
      | name | shared-vip | ports   |
      | lb3  | key-2      | 443/TCP |
    And the Service "lb3" shows EXTERNAL-IP "100.64.196.62"
    When I annotate the Service "lb2" with "ako.vmware.com/enable-shared-vip=key-2"
    Then the Service "lb2" shows EXTERNAL-IP "100.64.196.62"
    And the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has services "80/TCP"
    And the virtual service "cluster--default-key-2" has services "443/TCP, 80/UDP (System-UDP-Fast-Path)"

  Scenario: Removing the annotation moves a member to a dedicated virtual service
    When I remove the annotation "ako.vmware.com/enable-shared-vip" from the Service "lb2"
    Then the controller has exactly 2 virtual services
    And the virtual service "cluster--default-key-1" has services "80/TCP"
    And the virtual service "cluster--default-lb2" has services "80/UDP"
    And the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the Service "lb2" shows EXTERNAL-IP "100.64.196.62"

  Scenario: Adding the annotation moves a dedicated Service into the group
    Given the Services:
      | name  | shared-vip | ports  |
      | solo  |            | 81/TCP |
    And the Service "solo" shows EXTERNAL-IP "100.64.196.62"
    When I annotate the Service "solo" with "ako.vmware.com/enable-shared-vip=key-1"
    Then the Services "lb1, lb2, solo" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service
    And the controller has no virtualservice named "cluster--default-solo"
    And no vsvip named "cluster--default-solo" exists on the controller

  Scenario: LoadBalancer to ClusterIP and back leaves the group and rejoins it
    When I change the type of the Service "lb2" to "ClusterIP"
    Then kubectl get svc shows:
      | NAME | TYPE         | EXTERNAL-IP   | PORT(S)  |
      | lb1  | LoadBalancer | 100.64.196.61 | 80:*/TCP |
      | lb2  | ClusterIP    | <none>        | 80/UDP   |
    And the virtual service "cluster--default-key-1" has services "80/TCP"
    And the Service "lb2" has a Normal Event "Removed"
    When I change the type of the Service "lb2" to "LoadBalancer"
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has services "80/TCP, 80/UDP (System-UDP-Fast-Path)"

  Scenario: Deleting the namespace is as if every member were deleted
    Given the namespace "blue"
    And the Services:
      | namespace | name | shared-vip | ports  |
      | blue      | b1   | key-1      | 80/TCP |
      | blue      | b2   | key-1      | 80/UDP |
    And the Services "b1, b2" in namespace "blue" show EXTERNAL-IP "100.64.196.62"
    When I delete the namespace "blue"
    Then the controller has exactly 1 virtual service
    And the controller has no virtualservice named "cluster--blue-key-1"
    And the controller has no vsvip named "cluster--blue-key-1"
    And the controller has exactly 2 pools

  Scenario: Patching a member's ports updates its pools and rules
    When I patch the Service "lb2" with:
      """
      {"spec": {"ports": [{"port": 8053, "protocol": "UDP", "targetPort": 53}]}}
      """
    Then the virtual service "cluster--default-key-1" has services "80/TCP, 8053/UDP (System-UDP-Fast-Path)"
    And the controller has no pool named "cluster--default-lb2-key-1-UDP-80"
    And the controller has a pool named "cluster--default-lb2-key-1-UDP-8053"

  Scenario: A label on a member changes nothing on the controller
    Given I note the controller journal position
    When I label the Service "lb1" with "team=blue"
    Then the engine made no write to the controller since the noted position
