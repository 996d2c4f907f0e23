@spec @misconfiguration
Feature: Members of a group must agree on the preferred VIP
  "If two Services under the same Annotation value have different static VIP set, no Virtual
  Service will be configured. This is treated as a misconfiguration and will be logged in AKO
  accordingly." (spec; behaviour.md sections 4 and 5)

  Scenario: Two different static VIPs configure nothing and say why
    Given the engine is stopped
    And I note the controller journal position
    When I apply the manifest:
      """
      apiVersion: v1
      kind: Service
      metadata:
        annotations:
          ako.vmware.com/enable-shared-vip: "shared-vip-key-1"
        name: sharedvip-avisvc-lb1
        namespace: default
      spec:
        type: LoadBalancer
        loadBalancerIP: 100.64.196.75
        ports:
        - port: 80
          targetPort: 8080
        selector:
          app: avi-server
      ---
      apiVersion: v1
      kind: Service
      metadata:
        annotations:
          ako.vmware.com/enable-shared-vip: "shared-vip-key-1"
        name: sharedvip-avisvc-lb2
        namespace: default
      spec:
        type: LoadBalancer
        loadBalancerIP: 100.64.196.76
        ports:
        - port: 80
          protocol: UDP
          targetPort: 8080
        selector:
          app: avi-server
      """
    And the engine is started
    Then kubectl get svc shows:
      | NAME                 | TYPE         | CLUSTER-IP | EXTERNAL-IP | PORT(S)  | AGE |
      | sharedvip-avisvc-lb1 | LoadBalancer | *          | <pending>   | 80:*/TCP | *   |
      | sharedvip-avisvc-lb2 | LoadBalancer | *          | <pending>   | 80:*/UDP | *   |
    And no virtualservice exists on the controller
    And no vsvip exists on the controller
    And no pool exists on the controller
    And no l4policyset exists on the controller
    And the engine made no write to the controller since the noted position
    And the engine logged an error containing "Service loadBalancerIP is not consistent with Services grouped using shared-vip annotation. Conflict found for Services ["
    And the engine logged an error containing "default/sharedvip-avisvc-lb2: 100.64.196.76"
    And the Service "sharedvip-avisvc-lb1" has a Warning Event "SharedVipMisconfigured" mentioning "100.64.196.76"
    And the Service "sharedvip-avisvc-lb2" has a Warning Event "SharedVipMisconfigured" mentioning "100.64.196.75"
    And the Service "sharedvip-avisvc-lb1" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipMisconfigured" mentioning "100.64.196.76"
    And the Service "sharedvip-avisvc-lb2" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipMisconfigured" mentioning "100.64.196.75"
    And the Service "sharedvip-avisvc-lb1" has condition "ako.vmware.com/VipAssigned" "False" mentioning "100.64.196.75"

  @deviation_events
  Scenario Outline: Preferred IPs that differ conflict (<sources>)
    Given the Services:
      | name | shared-vip | ports  | loadBalancerIP | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | <lb1 spec>     | <lb1 annotation> |
      | lb2  | key-1      | 80/UDP | <lb2 spec>     | <lb2 annotation> |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And the engine logged an error containing "Conflict found for Services ["
    And the Service "lb2" has a Warning Event "SharedVipMisconfigured"

    Examples:
      | sources                 | lb1 spec      | lb1 annotation | lb2 spec      | lb2 annotation |
      | both in the spec        | 100.64.196.75 |                | 100.64.196.76 |                |
      | both in the annotation  |               | 100.64.196.75  |               | 100.64.196.76  |
      | spec and annotation     | 100.64.196.75 |                |               | 100.64.196.76  |

  Scenario: spec.loadBalancerIP wins over the annotation of the same Service
    Given the Services:
      | name | shared-vip | ports  | loadBalancerIP | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75  | 100.64.196.99    |
      | lb2  | key-1      | 80/UDP | 100.64.196.75  |                  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"

  Scenario Outline: A member that names no IP never conflicts (<order>)
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | <lb1 ip>         |
      | lb2  | key-1      | 80/UDP | <lb2 ip>         |
      | lb3  | key-1      | 81/UDP |                  |
    Then the Services "lb1, lb2, lb3" show EXTERNAL-IP "100.64.196.80"
    And the controller has exactly 1 virtual service

    Examples:
      | order             | lb1 ip        | lb2 ip        |
      | named IP first    | 100.64.196.80 |               |
      | named IP later    |               | 100.64.196.80 |

  Scenario Outline: A preferred IP that is not an IP address misconfigures the group (<bad ip>)
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | <bad ip>         |
      | lb2  | key-1      | 80/UDP |                  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And no vsvip exists on the controller
    And the Service "lb1" has a Warning Event "SharedVipMisconfigured" mentioning "<bad ip>"
    And the Service "lb2" has condition "ako.vmware.com/VipAssigned" "False"

    Examples:
      | bad ip         |
      | not-an-ip      |
      | 100.64.196     |
      | 100.64.196.300 |
      | 100.64.196.0/24 |

  @deviation_conditions
  Scenario: A configured group that becomes misconfigured loses its virtual service
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75    |
      | lb2  | key-1      | 80/UDP |                  |
    And the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"
    When I annotate the Service "lb2" with "ako.vmware.com/load-balancer-ip=100.64.196.76"
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And no vsvip exists on the controller
    And no pool exists on the controller
    And no l4policyset exists on the controller
    And the Service "lb1" has condition "ako.vmware.com/VipAssigned" "False"
    And the Service "lb1" has a Normal Event "Removed"

  Scenario: A group that became misconfigured comes back when the culprit is deleted
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75    |
      | lb2  | key-1      | 81/TCP |                  |
    And the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"
    When I create the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb3  | key-1      | 82/TCP | 100.64.196.76    |
    Then the Services "lb1, lb2, lb3" show EXTERNAL-IP "<pending>"
    And no pool exists on the controller
    When I delete the Service "lb3"
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"
    And the controller has exactly 1 virtual service

  @deviation_conditions
  Scenario: Fixing the conflicting member brings the group back without a restart
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75    |
      | lb2  | key-1      | 80/UDP | 100.64.196.76    |
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When I annotate the Service "lb2" with "ako.vmware.com/load-balancer-ip=100.64.196.75"
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.75"
    And the controller has exactly 1 virtual service
    And the Service "lb2" has condition "ako.vmware.com/VipAssigned" "True"

  Scenario: Deleting the conflicting member brings the group back without a restart
    Given the Services:
      | name | shared-vip | ports  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | 100.64.196.75    |
      | lb2  | key-1      | 80/UDP | 100.64.196.76    |
      | lb3  | key-1      | 81/UDP |                  |
    And the Services "lb1, lb2, lb3" show EXTERNAL-IP "<pending>"
    When I delete the Service "lb2"
    Then the Services "lb1, lb3" show EXTERNAL-IP "100.64.196.75"
    And the virtual service "cluster--default-key-1" has services "80/TCP, 81/UDP (System-UDP-Fast-Path)"
