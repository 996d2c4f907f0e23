@lifecycle @restart
Feature: The engine restarts without disturbing what it built
  "Engine restart: adopts what it created (created_by), updates what differs, deletes orphans,
  creates nothing twice; a converged restart makes zero writes" (behaviour.md section 8).

  Background:
    Given the example "shared-vip.yaml" is applied
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"
    And I note the uuids of the controller objects

  @deviation_restart
  Scenario: A converged restart makes zero writes
    Given I note the controller journal position
    When the engine is restarted
    Then the engine made no write to the controller since the noted position
    And the controller objects have the same uuids as noted
    And the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2" show EXTERNAL-IP "100.64.196.61"

  Scenario: A restart after the virtual service was deleted behind the engine's back re-creates it
    When the virtualservice "cluster--default-shared-vip-key-1" is deleted on the controller
    And the engine is restarted
    Then the controller has exactly 1 virtual service
    And the virtual service "cluster--default-shared-vip-key-1" has VIP "100.64.196.61"
    And the virtual service "cluster--default-shared-vip-key-1" has services "80/TCP, 80/UDP (System-UDP-Fast-Path)"
    And the vsvip "cluster--default-shared-vip-key-1" has the same uuid as noted

  Scenario: A restart after a member was deleted while the engine was away
    When the engine is stopped
    And I delete the Service "sharedvip-avisvc-lb2"
    And the engine is started
    Then the virtual service "cluster--default-shared-vip-key-1" has services "80/TCP"
    And the controller has no pool named "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80"
    And the virtual service "cluster--default-shared-vip-key-1" has the same uuid as noted

  Scenario: A restart after a pool was changed behind the engine's back puts it right
    When the pool "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80" is changed on the controller with:
      """
      {"health_monitor_refs": ["/api/healthmonitor/?name=System-Ping"]}
      """
    And the engine is restarted
    Then the pool "cluster--default-sharedvip-avisvc-lb1-shared-vip-key-1-TCP-80" has:
      | field               | value      |
      | health_monitor_refs | System-TCP |
    And the controller objects have the same uuids as noted

  Scenario: A restart deletes objects of this cluster that no Service wants
    When the engine is stopped
    And I delete the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2"
    And the engine is started
    Then no virtualservice exists on the controller
    And no vsvip exists on the controller
    And no pool exists on the controller
    And no l4policyset exists on the controller

  Scenario: A restart leaves objects of other owners alone
    Given the controller has a pool "someone-elses-pool" created by "ako-other-cluster"
    When the engine is restarted
    Then the controller has a pool named "someone-elses-pool"
    And the controller has exactly 3 pools

  Scenario: A restart over a dedicated Service and an AviInfraSetting as well writes nothing anywhere
    Given the Services:
      | name | ports  |
      | solo | 90/TCP |
    And the AviInfraSetting "infra-1" with SE group "Default-Group" and VIP network "vip-network"
    And the AviInfraSetting "infra-1" has status "Accepted"
    And the Service "solo" shows EXTERNAL-IP "100.64.*"
    And I note the controller journal position
    And I note the resourceVersions and Events of the Services
    When the engine is restarted
    Then the engine made no write to the controller since the noted position
    And the Services and their Events are as noted
    And the controller has exactly 2 virtual services
    And the controller has exactly 2 vsvips
    And the controller has exactly 3 pools
    And the controller has exactly 2 l4policysets

  Scenario: A restart re-creates what was deleted while the engine was away, and only that
    When the engine is stopped
    And the virtualservice "cluster--default-shared-vip-key-1" is deleted on the controller
    And the l4policyset "cluster--default-shared-vip-key-1" is deleted on the controller
    And the pool "cluster--default-sharedvip-avisvc-lb2-shared-vip-key-1-UDP-80" is deleted on the controller
    And I note the controller journal position
    And the engine is started
    Then the controller's writes since the noted position were "POST pool, POST l4policyset, POST virtualservice"
    And the Service "sharedvip-avisvc-lb2" shows EXTERNAL-IP "100.64.196.61"
    And the vsvip "cluster--default-shared-vip-key-1" has the same uuid as noted

  Scenario: A restart adds a member that joined while the engine was away, with the minimum writes
    When the engine is stopped
    And I create the Services:
      | name  | shared-vip       | ports   |
      | third | shared-vip-key-1 | 443/TCP |
    And I note the controller journal position
    And the engine is started
    Then the controller's writes since the noted position were "POST pool, PUT l4policyset, PUT virtualservice"
    And the Service "third" shows EXTERNAL-IP "100.64.196.61"

  Scenario: A restart deletes the orphans and keeps the objects still wanted
    Given the Services:
      | name | ports  |
      | solo | 90/TCP |
    And the Service "solo" shows EXTERNAL-IP "100.64.*"
    When the engine is stopped
    And I delete the Services "sharedvip-avisvc-lb1, sharedvip-avisvc-lb2"
    And the engine is started
    Then the controller has exactly 1 virtual service
    And the controller has a virtual service named "cluster--default-solo"
    And the controller has exactly 1 vsvip
    And the controller has a vsvip named "cluster--default-solo"
    And the controller has exactly 1 pool
    And the controller has a pool named "cluster--default-solo-TCP-90"

  Scenario: An engine of another cluster leaves this cluster's objects alone
    Given the engine runs with "cluster_name" set to "other"
    Then the controller has a virtual service named "other--default-shared-vip-key-1"
    And the controller has a virtual service named "cluster--default-shared-vip-key-1"
    And the virtual service "cluster--default-shared-vip-key-1" has the same uuid as noted
    And the vsvip "cluster--default-shared-vip-key-1" has the same uuid as noted
