@spec @grouping
Feature: Which Services share a VIP
  The spec's considerations: Services share a VIP only with the same annotation value, in the
  same namespace, and only when they are of type LoadBalancer (behaviour.md section 2).

  Scenario: Different annotation values make two virtual services with two VIPs
    Given the Services:
      | name | shared-vip | ports  |
      | lb1  | key-a      | 80/TCP |
      | lb2  | key-b      | 80/UDP |
    Then kubectl get svc shows:
      | NAME | TYPE         | EXTERNAL-IP   | PORT(S)  |
      | lb1  | LoadBalancer | 100.64.196.6* | 80:*/TCP |
      | lb2  | LoadBalancer | 100.64.196.6* | 80:*/UDP |
    And the controller has exactly 2 virtual services
    And the virtual services "cluster--default-key-a, cluster--default-key-b" have different VIPs
    And the Service "lb1" shows the VIP of the virtual service "cluster--default-key-a"
    And the Service "lb2" shows the VIP of the virtual service "cluster--default-key-b"

  Scenario: The same annotation value in two namespaces makes two groups
    Given the namespace "red"
    And the Services:
      | namespace | name | shared-vip | ports  |
      | default   | lb1  | key-1      | 80/TCP |
      | red       | lb1  | key-1      | 80/TCP |
    Then the controller has exactly 2 virtual services
    And the virtual services "cluster--default-key-1, cluster--red-key-1" have different VIPs
    And the Service "lb1" shows the VIP of the virtual service "cluster--default-key-1"
    And the Service "lb1" in namespace "red" shows the VIP of the virtual service "cluster--red-key-1"
    And kubectl get svc -n red shows:
      | NAME | TYPE         | EXTERNAL-IP   |
      | lb1  | LoadBalancer | 100.64.196.6* |

  Scenario: Three members with several ports share one VIP
    Given the Services:
      | name | shared-vip | ports          |
      | dns  | key-1      | 53/TCP, 53/UDP |
      | web  | key-1      | 80/TCP, 443/TCP |
      | sip  | key-1      | 5060/SCTP      |
    Then the Services "dns, web, sip" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service
    And the virtual service "cluster--default-key-1" has the services:
      | port | protocol | network profile      |
      | 5060 | SCTP     | System-SCTP-Proxy    |
      | 443  | TCP      | System-TCP-Proxy     |
      | 53   | TCP      | System-TCP-Proxy     |
      | 80   | TCP      | System-TCP-Proxy     |
      | 53   | UDP      | System-UDP-Fast-Path |
    And the virtual service "cluster--default-key-1" has 5 pools

  @deviation_events
  Scenario Outline: The annotation on a <type> Service is ignored, with a warning
    Given the Services:
      | name | type         | shared-vip | ports  |
      | lb1  | LoadBalancer | key-1      | 80/TCP |
      | svc2 | <type>       | key-1      | 80/UDP |
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the Service "svc2" has a Warning Event "SharedVipIgnored"
    And the Service "svc2" has exactly the Events "Warning SharedVipIgnored"
    And the virtual service "cluster--default-key-1" has the services:
      | port | protocol | network profile  |
      | 80   | TCP      | System-TCP-Proxy |
    And the controller has exactly 1 virtual service

    Examples:
      | type      |
      | ClusterIP |
      | NodePort  |

  Scenario: A LoadBalancer Service without the annotation gets a dedicated virtual service
    Given the Services:
      | name  | shared-vip | ports  |
      | lb1   | key-1      | 80/TCP |
      | plain |            | 80/UDP |
    Then the controller has exactly 2 virtual services
    And the virtual services "cluster--default-key-1, cluster--default-plain" have different VIPs
    And the Service "plain" shows the VIP of the virtual service "cluster--default-plain"
    And the virtual service "cluster--default-plain" has the L4 rules:
      | port | protocol | pool                             |
      | 80   | UDP      | cluster--default-plain-UDP-80 |

  Scenario: A member with loadBalancerClass ako.vmware.com/avi-lb takes part in the group
    Given the Services:
      | name | shared-vip | ports  | class                 |
      | lb1  | key-1      | 80/TCP |                       |
      | lb2  | key-1      | 80/UDP | ako.vmware.com/avi-lb |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service

  Scenario: A blank annotation value is no annotation
    Given the Services:
      | name | shared-vip | ports  |
      | lb1  | " "        | 80/TCP |
    Then the controller has exactly 1 virtual service
    And the virtual service "cluster--default-lb1" has VIP "100.64.196.61"
