@faults
Feature: The engine rides out controller faults
  "5xx, timeouts and refused connections: retried with per-key backoff; existing status is kept.
  401: log in again and retry. 409 on create: adopt the existing object. 412: re-read and retry."
  (behaviour.md section 10)

  Scenario Outline: A <status> answer to the first <times> creations is retried
    Given the controller answers <status> to POST requests on "/api/<kind>" <times> times
    When I apply the example "shared-vip.yaml"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 1 virtual service
    And the controller has exactly 2 pools
    And the controller journal has <times> POST requests on "/api/<kind>" answered <status>

    Examples:
      | status | kind           | times |
      | 500    | vsvip          | 2     |
      | 502    | pool           | 2     |
      | 503    | virtualservice | 2     |
      | 504    | l4policyset    | 2     |

  Scenario: A failed update keeps the existing status, then succeeds on retry
    Given the example "shared-vip.yaml" is applied
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller answers 503 to PUT requests on "/api/virtualservice" 3 times
    When I create the Services:
      | name | shared-vip       | ports   |
      | lb3  | shared-vip-key-1 | 443/TCP |
    Then the controller journal has 3 PUT requests on "/api/virtualservice" answered 503
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the Service "lb3" shows EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-shared-vip-key-1" has services "443/TCP, 80/TCP, 80/UDP (System-UDP-Fast-Path)"

  Scenario: A slow controller only delays the result
    Given the controller delays POST requests on "/api/vsvip" by 300 ms
    When I apply the example "shared-vip.yaml"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A controller that answers too late is retried, and the late creation adopted
    Given the engine runs with "avi_timeout" set to "0.5"
    And the controller delays POST requests on "/api/vsvip" by 1500 ms 1 time
    When I apply the example "shared-vip.yaml"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller journal has 1 POST request on "/api/vsvip" answered 409
    And the controller has exactly 1 vsvip
    And the controller has exactly 1 virtual service

  Scenario: An expired session is logged in again
    Given the example "shared-vip.yaml" is applied
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller's sessions have expired
    When I create the Services:
      | name | shared-vip       | ports   |
      | lb3  | shared-vip-key-1 | 443/TCP |
    Then the Service "lb3" shows EXTERNAL-IP "100.64.196.61"
    And the controller journal has a POST request on "/login"

  Scenario: A 401 from the controller makes the engine log in again
    Given the controller answers 401 to GET requests on "/api/" 1 time
    And the controller answers 401 to POST requests on "/api/" 1 time
    When I apply the example "shared-vip.yaml"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A 409 on create adopts the object that already exists
    Given the controller has a pool "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80" created by "ako-cluster"
    And I note the uuid of the pool "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80"
    When I apply the example "shared-vip.yaml"
    Then the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller has exactly 2 pools
    And the pool "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80" has the same uuid as noted
    And the virtual service "cluster--default-shared-vip-key-1" has the L4 rules:
      | port | protocol | pool                                                          |
      | 80   | TCP      | cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80 |
      | 80   | UDP      | cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80 |

  Scenario: A 412 on update is re-read and retried
    Given the example "shared-vip.yaml" is applied
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And the controller answers 412 to PUT requests on "/api/virtualservice" 1 time
    When I create the Services:
      | name | shared-vip       | ports   |
      | lb3  | shared-vip-key-1 | 443/TCP |
    Then the Service "lb3" shows EXTERNAL-IP "100.64.196.61"
    And the controller journal has 1 PUT request on "/api/virtualservice" answered 412
    And the virtual service "cluster--default-shared-vip-key-1" has services "443/TCP, 80/TCP, 80/UDP (System-UDP-Fast-Path)"
