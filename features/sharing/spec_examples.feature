@spec
Feature: The spec's three examples share one VIP between two LoadBalancer Services
  Two LoadBalancer Services in one namespace with the same
  ako.vmware.com/enable-shared-vip value get one L4 virtual service and one VIP on the
  controller, and `kubectl get svc` shows that VIP as the EXTERNAL-IP of both.

  Background:
    Given the ready Pods:
      | name  | labels         | ip         |
      | web-1 | app=avi-server | 10.244.0.5 |

  @deviation_conditions
  Scenario: The first example gets the first address of the VIP network
    When I run "kubectl apply -f examples/shared-vip.yaml"
    Then kubectl printed "service/sharedvip-avisvc-lb1 created"
    Then kubectl get svc shows:
      | NAME                 | TYPE         | CLUSTER-IP | EXTERNAL-IP   | PORT(S)  | AGE |
      | sharedvip-avisvc-lb1 | LoadBalancer | *          | 100.64.196.61 | 80:*/TCP | *   |
      | sharedvip-avisvc-lb2 | LoadBalancer | *          | 100.64.196.61 | 80:*/UDP | *   |
    And the controller has exactly 1 virtual service
    And the virtual service "cluster--default-shared-vip-key-1" has VIP "100.64.196.61"
    And the virtual service "cluster--default-shared-vip-key-1" has network profile "System-TCP-Proxy"
    And the virtual service "cluster--default-shared-vip-key-1" has the services:
      | port | protocol | network profile      |
      | 80   | TCP      | System-TCP-Proxy     |
      | 80   | UDP      | System-UDP-Fast-Path |
    And the virtual service "cluster--default-shared-vip-key-1" has the L4 rules:
      | port | protocol | pool                                                       |
      | 80   | TCP      | cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80 |
      | 80   | UDP      | cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80 |
    And the virtual service "cluster--default-shared-vip-key-1" has the pools:
      | pool                                                          | servers         |
      | cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80 | 10.244.0.5:8080 |
      | cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80 | 10.244.0.5:8080 |
    And the Service "sharedvip-avisvc-lb1" has condition "ako.vmware.com/VipAssigned" "True"
    And the Service "sharedvip-avisvc-lb1" has a Normal Event "Synced" mentioning "cluster--default-shared-vip-key-1"
    And the Service "sharedvip-avisvc-lb2" has a Normal Event "Synced" mentioning "cluster--default-shared-vip-key-1"

  Scenario Outline: A preferred VIP named the same way by both members is the shared VIP (<example>)
    When I apply the example "<example>"
    Then kubectl get svc shows:
      | NAME                 | TYPE         | EXTERNAL-IP   | PORT(S)  |
      | sharedvip-avisvc-lb1 | LoadBalancer | 100.64.196.75 | 80:*/TCP |
      | sharedvip-avisvc-lb2 | LoadBalancer | 100.64.196.75 | 80:*/UDP |
    And the controller has exactly 1 virtual service
    And the virtual service "cluster--default-shared-vip-key-1" has VIP "100.64.196.75"
    And the virtual service "cluster--default-shared-vip-key-1" has the services:
      | port | protocol | network profile      |
      | 80   | TCP      | System-TCP-Proxy     |
      | 80   | UDP      | System-UDP-Fast-Path |
    And the virtual service "cluster--default-shared-vip-key-1" has 2 pools

    Examples:
      | example                    |
      | shared-vip-static-ip.yaml  |
      | shared-vip-ip-annotation.yaml    |

  Scenario: The first example written inline in the scenario
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
        ports:
        - port: 80
          protocol: UDP
          targetPort: 8080
        selector:
          app: avi-server
      """
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service
    And the controller has exactly 1 vsvip
    And the controller has exactly 2 pools
    And the controller has exactly 1 l4policyset
    And no poolgroup exists on the controller

  @deviation_conditions
  Scenario Outline: Every spec example builds the same shared topology (<example>)
    When I apply the example "<example>"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "<vip>"
    And the Service "sharedvip-avisvc-lb1" has condition "ako.vmware.com/VipAssigned" "True"
    And the Service "sharedvip-avisvc-lb2" has condition "ako.vmware.com/VipAssigned" "True"
    And the Service "sharedvip-avisvc-lb1" has a Normal Event "Synced" mentioning "Added virtualservice cluster--default-shared-vip-key-1 for sharedvip-avisvc-lb1"
    And the Service "sharedvip-avisvc-lb2" has a Normal Event "Synced" mentioning "Added virtualservice cluster--default-shared-vip-key-1 for sharedvip-avisvc-lb2"
    And the controller has exactly 1 virtual service
    And the virtual service "cluster--default-shared-vip-key-1" has:
      | field                   | value                             |
      | network_profile_ref     | System-TCP-Proxy                  |
      | application_profile_ref | System-L4-Application             |
      | vsvip_ref               | cluster--default-shared-vip-key-1 |
    And the virtual service "cluster--default-shared-vip-key-1" has services "80/TCP, 80/UDP (System-UDP-Fast-Path)"
    And the virtual service "cluster--default-shared-vip-key-1" has the L4 rules:
      | port | protocol | pool                                                          |
      | 80   | TCP      | cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80 |
      | 80   | UDP      | cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80 |
    And the controller has exactly 2 pools
    And the controller has a pool named "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
    And the controller has a pool named "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"
    And the controller has exactly 1 vsvip
    And the vsvip "cluster--default-shared-vip-key-1" has:
      | field                 | value |
      | vip.0.ip_address.addr | <vip> |

    Examples:
      | example                       | vip           |
      | shared-vip.yaml               | 100.64.196.61 |
      | shared-vip-static-ip.yaml     | 100.64.196.75 |
      | shared-vip-ip-annotation.yaml | 100.64.196.75 |
