@lifecycle @backends
Feature: Pool servers follow the workloads the cluster runs
  mock_k8s runs Deployments by itself (a scheduler binds their Pods to the nodes, a simulated
  kubelet gives them pod IPs and makes them Ready), so pool servers follow the ready replicas:
  "EndpointSlice / Node change: pool servers updated; never brings back a misconfigured group"
  (behaviour.md section 8).

  Background:
    Given the Services:
      | name | shared-vip | ports       | selector       |
      | lb1  | key-1      | 80:8080/TCP | app=avi-server |
      | lb2  | key-1      | 80:8080/UDP | app=avi-server |

  Scenario: Pool servers follow the replicas as the Deployment scales
    Given a Deployment "avi-server" with 3 ready replicas labelled "app=avi-server" on port 8080
    Then every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080
    And the pool "cluster--default-lb1-key-1-TCP-80" has 3 servers
    And the pool "cluster--default-lb2-key-1-UDP-80" has 3 servers
    When I scale the Deployment "avi-server" to 1 replica
    Then the pool "cluster--default-lb1-key-1-TCP-80" has 1 server
    And every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080
    When I scale the Deployment "avi-server" to 3 replicas
    Then the pool "cluster--default-lb2-key-1-UDP-80" has 3 servers
    And every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080
    And the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A failing node's servers leave the pools and come back when it recovers
    Given a Deployment "avi-server" with 3 ready replicas labelled "app=avi-server" on port 8080
    And the pool "cluster--default-lb1-key-1-TCP-80" has 3 servers
    When the node of a Pod of the Deployment "avi-server" fails
    Then the Pods of "app=avi-server" on the failed node are not ready
    And the pool "cluster--default-lb1-key-1-TCP-80" has 2 servers
    And the pool "cluster--default-lb2-key-1-UDP-80" has 2 servers
    And every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080
    When the failed node recovers
    Then the pool "cluster--default-lb1-key-1-TCP-80" has 3 servers
    And every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080

  Scenario: A Pod that never becomes ready is no pool server
    Given a Deployment "avi-server" with 2 ready replicas labelled "app=avi-server" on port 8080
    And a Pod "stuck" labelled "app=avi-server" on port 8080 that never becomes ready
    Then the pool "cluster--default-lb1-key-1-TCP-80" has 2 servers
    And every pool of the virtual service "cluster--default-key-1" has the ready Pods of "app=avi-server" on port 8080
