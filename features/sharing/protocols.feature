@spec @protocols
Feature: Port/protocol pairs and network profiles of the shared virtual service
  One VS `services` entry per member port, sorted by "<PROTO>-<port>"; the VS takes the TCP
  profile when any port is TCP, else UDP; entries of another protocol override their own
  profile (behaviour.md section 3).

  Scenario Outline: Members exposing <first> and <second> share one VS with <profile>
    Given the Services:
      | name | shared-vip | ports    |
      | lb1  | key-1      | <first>  |
      | lb2  | key-1      | <second> |
    Then the Services "lb1, lb2" show EXTERNAL-IP "100.64.196.61"
    And the virtual service "cluster--default-key-1" has network profile "<profile>"
    And the virtual service "cluster--default-key-1" has services "<services>"
    And the virtual service "cluster--default-key-1" has 2 pools

    Examples: one protocol
      | first     | second     | profile              | services                  |
      | 80/TCP    | 443/TCP    | System-TCP-Proxy     | 443/TCP, 80/TCP           |
      | 53/UDP    | 123/UDP    | System-UDP-Fast-Path | 123/UDP, 53/UDP           |
      | 3868/SCTP | 2905/SCTP  | System-SCTP-Proxy    | 2905/SCTP, 3868/SCTP      |

    Examples: mixed protocols
      | first     | second     | profile              | services                                           |
      | 53/TCP    | 53/UDP     | System-TCP-Proxy     | 53/TCP, 53/UDP (System-UDP-Fast-Path)              |
      | 53/UDP    | 3868/SCTP  | System-UDP-Fast-Path | 3868/SCTP (System-SCTP-Proxy), 53/UDP              |
      | 80/TCP    | 80/SCTP    | System-TCP-Proxy     | 80/SCTP (System-SCTP-Proxy), 80/TCP                |
      | 80/UDP    | 80/TCP     | System-TCP-Proxy     | 80/TCP, 80/UDP (System-UDP-Fast-Path)              |

  Scenario: All three protocols on one VIP
    Given the Services:
      | name | shared-vip | ports          |
      | lb1  | key-1      | 80/TCP, 80/UDP |
      | lb2  | key-1      | 80/SCTP        |
    Then the virtual service "cluster--default-key-1" has network profile "System-TCP-Proxy"
    And the virtual service "cluster--default-key-1" has services "80/SCTP (System-SCTP-Proxy), 80/TCP, 80/UDP (System-UDP-Fast-Path)"
    And the virtual service "cluster--default-key-1" has the L4 rules:
      | port | protocol | pool                                 |
      | 80   | TCP      | cluster--default-lb1-key-1-TCP-80  |
      | 80   | UDP      | cluster--default-lb1-key-1-UDP-80  |
      | 80   | SCTP     | cluster--default-lb2-key-1-SCTP-80 |

  Scenario: With an ESSENTIALS licence TCP ports use the fast path profile
    Given the controller's licence tier is "ESSENTIALS"
    And the engine is restarted
    And the Services:
      | name | shared-vip | ports  |
      | lb1  | key-1      | 80/TCP |
      | lb2  | key-1      | 80/UDP |
    Then the virtual service "cluster--default-key-1" has network profile "System-TCP-Fast-Path"
    And the virtual service "cluster--default-key-1" has services "80/TCP, 80/UDP (System-UDP-Fast-Path)"
