@spec @port-conflict
Feature: Port/protocol conflicts inside a group
  "It is required that there is no conflicting Port-Protocol pairs in the LB Services that share
  the Annotation value." The member that joined later (creationTimestamp, then name) is left
  out; the rest of the group keeps its VS and VIP (behaviour.md section 6).

  @deviation_port_check
  Scenario Outline: <holder ports> and <newcomer ports> conflict on <pair>
    Given the Services:
      | name     | shared-vip | ports            |
      | a-holder | key-1      | <holder ports>   |
      | b-late   | key-1      | <newcomer ports> |
    Then kubectl get svc shows:
      | NAME     | TYPE         | EXTERNAL-IP   |
      | a-holder | LoadBalancer | 100.64.196.61 |
      | b-late   | LoadBalancer | <pending>     |
    And the Service "b-late" has a Warning Event "SharedVipPortConflict" mentioning "<pair>"
    And the Service "b-late" has a Warning Event "SharedVipPortConflict" mentioning "a-holder"
    And the Service "b-late" has condition "ako.vmware.com/VipAssigned" "False"
    And the Service "a-holder" has condition "ako.vmware.com/VipAssigned" "True"
    And the virtual service "cluster--default-key-1" has services "<vs services>"

    Examples:
      | holder ports    | newcomer ports | pair     | vs services                             |
      | 80/TCP          | 80/TCP         | 80/TCP   | 80/TCP                                  |
      | 53/UDP          | 53/UDP         | 53/UDP   | 53/UDP                                  |
      | 3868/SCTP       | 3868/SCTP      | 3868/SCTP | 3868/SCTP                              |
      | 80/TCP, 443/TCP | 443/TCP, 8443/TCP | 443/TCP | 443/TCP, 80/TCP                       |
      | 53/TCP, 53/UDP  | 53/UDP         | 53/UDP   | 53/TCP, 53/UDP (System-UDP-Fast-Path)   |

  Scenario Outline: <first> and <second> do not conflict
    Given the Services:
      | name | shared-vip | ports    |
      | lb1  | key-1      | <first>  |
      | lb2  | key-1      | <second> |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the Service "lb2" has no Event "SharedVipPortConflict"

    Examples:
      | first   | second  |
      | 80/TCP  | 80/UDP  |
      | 53/UDP  | 53/TCP  |
      | 80/TCP  | 80/SCTP |
      | 80/TCP  | 81/TCP  |

  @deviation_port_check
  Scenario: The holder keeps its VIP when a conflicting Service joins later
    Given the Services:
      | name | shared-vip | ports  |
      | zz   | key-1      | 80/TCP |
      | yy   | key-1      | 80/UDP |
    And the Services "zz, yy" show EXTERNAL-IP "100.64.196.61"
    And I note the uuids of the controller objects
    And the API server's clock is past the creation second of Service "zz"
    When I create the Services:
      | name | shared-vip | ports  |
      | aa   | key-1      | 80/TCP |
    Then the Service "aa" shows EXTERNAL-IP "<pending>"
    And the Service "aa" has a Warning Event "SharedVipPortConflict" mentioning "zz"
    And the Service "aa" has a Warning Event "SharedVipPortConflict" mentioning "80/TCP"
    And the Service "aa" has a Warning Event "SharedVipPortConflict" mentioning "default/zz"
    And the Service "aa" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipPortConflict"
    And the Services "zz, yy" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has the same uuid as noted
    And the virtual service "cluster--default-key-1" has services "80/TCP, 80/UDP (System-UDP-Fast-Path)"

  @deviation_port_check
  Scenario: The excluded member joins when the holder leaves
    Given the Services:
      | name  | shared-vip | ports  |
      | first | key-1      | 80/TCP |
      | other | key-1      | 53/UDP |
    And the Services "first, other" show EXTERNAL-IP "100.64.196.61"
    And the Services:
      | name   | shared-vip | ports  |
      | second | key-1      | 80/TCP |
    And the Service "second" shows EXTERNAL-IP "<pending>"
    When I delete the Service "first"
    Then the Services "second, other" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has the L4 rules:
      | port | protocol | pool                                  |
      | 80   | TCP      | cluster--default-second-key-1-TCP-80 |
      | 53   | UDP      | cluster--default-other-key-1-UDP-53  |
