@faults @watch
Feature: The engine keeps up when the Kubernetes API cuts or expires its watches
  Informers restart a dropped watch from the last resourceVersion and relist on 410 Gone, so no
  change is lost (DESIGN.md, "How the engine works").

  Background:
    Given the example "shared-vip.yaml" is applied
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: Changes made after every watch was dropped are still seen
    When the Kubernetes API drops every watch
    And I create the Services:
      | name | shared-vip       | ports   |
      | lb3  | shared-vip-key-1 | 443/TCP |
    Then the Service "lb3" shows EXTERNAL-IP "100.64.196.61"

  Scenario: A deletion hidden by a compacted history is found by the relist
    When the Kubernetes API compacts its history
    And the Kubernetes API drops every watch
    And I delete the Service "sharedvip-avisvc-lb2"
    Then the virtual service "cluster--default-shared-vip-key-1" has services "80/TCP"
    And the Service "sharedvip-avisvc-lb1" shows EXTERNAL-IP "100.64.196.61"

  Scenario: Status writes refused for a while are retried
    Given the Kubernetes API answers 500 to PATCH requests on "/status" 2 times
    When I create the Services:
      | name | shared-vip       | ports   |
      | lb3  | shared-vip-key-1 | 443/TCP |
    Then the Service "lb3" shows EXTERNAL-IP "100.64.196.61"
