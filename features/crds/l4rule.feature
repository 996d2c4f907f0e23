@spec @l4rule
Feature: L4Rule on a shared VIP, and its SSL exception
  "An L4Rule CRD can be attached to the Services of type LoadBalancer that are intended to share
  the VIP using the annotation ako.vmware.com/l4rule ... if enableSsl is set to true for any port
  in listenerProperties section of the L4Rule, then that L4Rule should only be applied to a single
  LoadBalancer service." (spec; behaviour.md sections 4, 5, 9)

  Scenario: Members with the same L4Rule get its VS and pool settings
    Given the L4Rule "rule-1" in namespace "default" with:
      """
      analyticsProfileRef: System-Analytics-Profile
      performanceLimits:
        maxConcurrentConnections: 1000
      backendProperties:
      - port: 80
        protocol: TCP
        lbAlgorithm: LB_ALGORITHM_ROUND_ROBIN
        healthMonitorRefs:
        - System-Ping
      """
    And the L4Rule "rule-1" has status "Accepted"
    When I create the Services:
      | name | shared-vip | ports  | l4rule |
      | lb1  | key-1      | 80/TCP | rule-1 |
      | lb2  | key-1      | 80/UDP | rule-1 |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has:
      | field                                         | value                    |
      | analytics_profile_ref                         | System-Analytics-Profile |
      | performance_limits.max_concurrent_connections | 1000                     |
    And the pool "cluster--default-lb1-key-1-TCP-80" has:
      | field               | value                    |
      | lb_algorithm        | LB_ALGORITHM_ROUND_ROBIN |
      | health_monitor_refs | System-Ping              |
    And the pool "cluster--default-lb2-key-1-UDP-80" has:
      | field               | value      |
      | health_monitor_refs | System-UDP |

  Scenario: The L4Rule's loadBalancerIP overrides the members' preferred IP
    Given the L4Rule "rule-ip" in namespace "default" with:
      """
      loadBalancerIP: 100.64.196.90
      """
    When I create the Services:
      | name | shared-vip | ports  | l4rule  | load-balancer-ip |
      | lb1  | key-1      | 80/TCP | rule-ip | 100.64.196.75    |
      | lb2  | key-1      | 80/UDP | rule-ip |                  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.90"
    And the virtual service "cluster--default-key-1" has VIP "100.64.196.90"

  @deviation_events
  Scenario: An L4Rule that refers to a profile the controller lacks is rejected
    Given the L4Rule "bad-rule" in namespace "default" with:
      """
      applicationProfileRef: No-Such-Profile
      """
    Then the L4Rule "bad-rule" has status "Rejected" mentioning "No-Such-Profile"
    When I create the Services:
      | name | shared-vip | ports  | l4rule   |
      | lb1  | key-1      | 80/TCP | bad-rule |
      | lb2  | key-1      | 80/UDP | bad-rule |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has:
      | field                   | value                 |
      | application_profile_ref | System-L4-Application |
    And the Service "lb1" has a Warning Event mentioning "bad-rule"

  Scenario: An L4Rule with enableSsl shared by two Services misconfigures the group
    Given the L4Rule "ssl-rule" in namespace "default" with:
      """
      listenerProperties:
      - port: 443
        protocol: TCP
        enableSsl: true
      """
    When I create the Services:
      | name | shared-vip | ports   | l4rule   |
      | lb1  | key-1      | 443/TCP | ssl-rule |
      | lb2  | key-1      | 53/UDP  | ssl-rule |
    Then the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    And no virtualservice exists on the controller
    And the Service "lb1" has a Warning Event "SharedVipMisconfigured" mentioning "ssl-rule"
    And the Service "lb1" has condition "ako.vmware.com/VipAssigned" "False" with reason "SharedVipMisconfigured" mentioning "SSL"
    And the Service "lb2" has condition "ako.vmware.com/VipAssigned" "False"

  Scenario: An L4Rule with enableSsl on a single Service is applied
    Given the L4Rule "ssl-rule" in namespace "default" with:
      """
      listenerProperties:
      - port: 443
        protocol: TCP
        enableSsl: true
      """
    When I create the Services:
      | name | shared-vip | ports   | l4rule   |
      | lb1  | key-1      | 443/TCP | ssl-rule |
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has:
      | field                | value |
      | services.0.enable_ssl | true  |

  Scenario: Removing the second Service from an SSL L4Rule group brings it back
    Given the L4Rule "ssl-rule" in namespace "default" with:
      """
      listenerProperties:
      - port: 443
        protocol: TCP
        enableSsl: true
      """
    And the Services:
      | name | shared-vip | ports   | l4rule   |
      | lb1  | key-1      | 443/TCP | ssl-rule |
      | lb2  | key-1      | 53/UDP  | ssl-rule |
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When I delete the Service "lb2"
    Then the Service "lb1" shows EXTERNAL-IP "100.64.196.61"

  @lifecycle
  Scenario: Changing the L4Rule reconciles the group that uses it
    Given the L4Rule "rule-1" in namespace "default" with:
      """
      backendProperties:
      - port: 80
        protocol: TCP
        lbAlgorithm: LB_ALGORITHM_ROUND_ROBIN
      """
    And the Services:
      | name | shared-vip | ports  | l4rule |
      | lb1  | key-1      | 80/TCP | rule-1 |
      | lb2  | key-1      | 80/UDP | rule-1 |
    And the pool "cluster--default-lb1-key-1-TCP-80" has:
      | field        | value                    |
      | lb_algorithm | LB_ALGORITHM_ROUND_ROBIN |
    When I patch the L4Rule "rule-1" in namespace "default" with:
      """
      {"spec": {"backendProperties": [{"port": 80, "protocol": "TCP", "lbAlgorithm": "LB_ALGORITHM_LEAST_CONNECTIONS"}]}}
      """
    Then the pool "cluster--default-lb1-key-1-TCP-80" has:
      | field        | value                          |
      | lb_algorithm | LB_ALGORITHM_LEAST_CONNECTIONS |
