@lifecycle @backends @misconfiguration
Feature: A misconfigured group stays down while its backends scale
  "never brings back a misconfigured group" (behaviour.md section 8): a group whose members ask
  for two different load balancer IPs configures nothing, however its Pods come and go.

  Scenario: Scaling the backends of a misconfigured group configures nothing
    Given the Services:
      | name | shared-vip | ports       | selector       | load-balancer-ip |
      | lb1  | key-1      | 80:8080/TCP | app=avi-server | 100.64.196.75    |
      | lb2  | key-1      | 80:8080/UDP | app=avi-server | 100.64.196.76    |
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
    When I create a Deployment "avi-server" with 3 ready replicas labelled "app=avi-server" on port 8080
    Then the EndpointSlices of the Service "lb1" list the ready Pods of "app=avi-server"
    When I scale the Deployment "avi-server" to 1 replica
    Then the EndpointSlices of the Service "lb1" list the ready Pods of "app=avi-server"
    And no virtualservice exists on the controller
    And no pool exists on the controller
    And the Services "lb1, lb2" show EXTERNAL-IP "<pending>"
