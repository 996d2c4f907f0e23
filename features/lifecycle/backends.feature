@lifecycle @backends
Feature: Pool servers follow the endpoints (or the nodes)
  "EndpointSlice / Node change: pool servers updated; never brings back a misconfigured group"
  (behaviour.md section 8). Servers are ready endpoint addresses with the target port in
  ClusterIP mode, node InternalIPs with the node port in NodePort mode.

  Scenario: Pods becoming ready and going away update the pool servers
    Given the Services:
      | name | shared-vip | ports       | selector |
      | lb1  | key-1      | 80:8080/TCP | app=web  |
      | lb2  | key-1      | 53:5353/UDP | app=dns  |
    When I create the ready Pods:
      | name  | labels  | ip        |
      | web-1 | app=web | 10.1.1.1  |
      | web-2 | app=web | 10.1.1.2  |
      | dns-1 | app=dns | 10.1.2.1  |
    Then the virtual service "cluster--default-key-1" has the pools:
      | pool                              | servers                     |
      | cluster--default-lb1-key-1-TCP-80 | 10.1.1.1:8080, 10.1.1.2:8080 |
      | cluster--default-lb2-key-1-UDP-53 | 10.1.2.1:5353               |
    When I delete the Pod "web-2"
    Then the virtual service "cluster--default-key-1" has the pools:
      | pool                              | servers       |
      | cluster--default-lb1-key-1-TCP-80 | 10.1.1.1:8080 |
      | cluster--default-lb2-key-1-UDP-53 | 10.1.2.1:5353 |
    And the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A member without ready endpoints keeps an empty pool and the VIP
    Given the Services:
      | name | shared-vip | ports       | selector  |
      | lb1  | key-1      | 80:8080/TCP | app=none  |
      | lb2  | key-1      | 80:8080/UDP | app=none  |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has the pools:
      | pool                              | servers |
      | cluster--default-lb1-key-1-TCP-80 |         |
      | cluster--default-lb2-key-1-UDP-80 |         |

  Scenario: An endpoint change never brings back a misconfigured group
    Given the Services:
      | name | shared-vip | ports       | selector | load-balancer-ip |
      | lb1  | key-1      | 80:8080/TCP | app=web  | 100.64.196.75    |
      | lb2  | key-1      | 80:8080/UDP | app=web  | 100.64.196.76    |
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When I create the ready Pods:
      | name  | labels  | ip       |
      | web-1 | app=web | 10.1.1.1 |
    And the EndpointSlices of the Service "lb1" list "10.1.1.1"
    Then no virtualservice exists on the controller
    And no pool exists on the controller
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"

  @nodeport
  Scenario: In NodePort mode the servers are the nodes and follow node changes
    Given the engine runs with service type "NodePort"
    And the Services:
      | name | shared-vip | ports  |
      | lb1  | key-1      | 80/TCP |
      | lb2  | key-1      | 80/UDP |
    Then the pool "cluster--default-lb1-key-1-TCP-80" has the node servers of the Service "lb1"
    When I create the Node "node-9" with InternalIP "10.0.9.9"
    Then the pool "cluster--default-lb1-key-1-TCP-80" has the node servers of the Service "lb1"
    And the pool "cluster--default-lb2-key-1-UDP-80" has the node servers of the Service "lb2"
