@health
Feature: Health: pool servers marked down take their virtual service down
  Presenters and QA drive server health through mock_avi's control API (POST /__mock__/health).
  The oper status follows in the controller's runtime and inventory, and the dashboard shows it
  as the Avi UI does (a colour and the reason), whichever engine made the objects.

  Scenario: Every server of a pool down makes its VS down; one server back makes it up
    Given the Services:
      | name | shared-vip | ports       | selector |
      | lb1  | key-1      | 80:8080/TCP | app=web  |
    When I create the ready Pods:
      | name  | labels  | ip       |
      | web-1 | app=web | 10.1.1.1 |
      | web-2 | app=web | 10.1.1.2 |
    Then the virtual service "cluster--default-key-1" has the pools:
      | pool                              | servers                      |
      | cluster--default-lb1-key-1-TCP-80 | 10.1.1.1:8080, 10.1.1.2:8080 |
    And the virtual service "cluster--default-key-1" is OPER_UP in its runtime and inventory
    When the controller marks every server of the pool "cluster--default-lb1-key-1-TCP-80" down
    Then the virtual service "cluster--default-key-1" is OPER_DOWN in its runtime and inventory
    And the dashboard shows the virtual service "cluster--default-key-1" DOWN
    When the controller marks the servers "10.1.1.1:8080" of the pool "cluster--default-lb1-key-1-TCP-80" up
    Then the virtual service "cluster--default-key-1" is OPER_UP in its runtime and inventory
    And the dashboard shows the virtual service "cluster--default-key-1" UP
