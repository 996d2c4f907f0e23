"""Engine settings from flags and AKO-style environment variables."""

from __future__ import annotations

import pytest

from simulator.config import ConfigError, EngineConfig, build_config


def test_defaults_follow_behaviour_section_1() -> None:
    config = build_config({}, {})
    assert config == EngineConfig()
    assert config.cluster_name == "cluster"
    assert config.cloud == "Default-Cloud"
    assert config.se_group == "Default-Group"
    assert config.vip_networks == ("vip-network",)
    assert config.service_type == "ClusterIP"
    assert config.default_lb_controller is True
    assert config.enable_evh is False
    assert config.resync_period == 300.0


def test_environment_uses_ako_names() -> None:
    config = build_config(
        {},
        {
            "CLUSTER_NAME": "prod",
            "CLOUD_NAME": "Other-Cloud",
            "SEG_NAME": "SEG-2",
            "SERVICE_TYPE": "nodeport",
            "DEFAULT_LB_CONTROLLER": "false",
            "ENABLE_EVH": "true",
            "CTRL_IPADDRESS": "10.1.1.1",
            "CTRL_USERNAME": "me",
            "CTRL_PASSWORD": "secret",
        },
    )
    assert config.cluster_name == "prod"
    assert config.cloud == "Other-Cloud"
    assert config.se_group == "SEG-2"
    assert config.service_type == "NodePort"
    assert config.default_lb_controller is False
    assert config.enable_evh is True
    assert config.avi_controller == "https://10.1.1.1"
    assert (config.avi_user, config.avi_password) == ("me", "secret")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('[{"networkName": "vip-network-2"}]', ("vip-network-2",)),
        ('[{"networkName": "a", "cidr": "10.0.0.0/24"}, {"networkName": "b"}]', ("a", "b")),
        ("a, b", ("a", "b")),
        ("single", ("single",)),
        ('["x", "y"]', ("x", "y")),
    ],
)
def test_vip_network_list_accepts_ako_json_and_plain_lists(
    value: str, expected: tuple[str, ...]
) -> None:
    assert build_config({}, {"VIP_NETWORK_LIST": value}).vip_networks == expected


def test_flags_win_over_environment() -> None:
    config = build_config(
        {"cluster_name": "flag", "avi_controller": "http://127.0.0.1:9999", "port": 0},
        {"CLUSTER_NAME": "env", "CTRL_IPADDRESS": "10.0.0.1"},
    )
    assert config.cluster_name == "flag"
    assert config.avi_controller == "http://127.0.0.1:9999"
    assert config.port == 0


def test_missing_flags_do_not_override() -> None:
    config = build_config({"cluster_name": None}, {"CLUSTER_NAME": "env"})
    assert config.cluster_name == "env"


@pytest.mark.parametrize(
    ("flags", "env", "setting"),
    [
        ({}, {"SERVICE_TYPE": "LoadBalancer"}, "SERVICE_TYPE"),
        ({}, {"ENABLE_EVH": "maybe"}, "ENABLE_EVH"),
        ({}, {"VIP_NETWORK_LIST": "[{"}, "VIP_NETWORK_LIST"),
        ({}, {"VIP_NETWORK_LIST": '[{"name": "x"}]'}, "VIP_NETWORK_LIST"),
        ({}, {"VIP_NETWORK_LIST": " , "}, "VIP_NETWORK_LIST"),
        ({}, {"CTRL_IPADDRESS": "ftp://x"}, "CTRL_IPADDRESS"),
        ({"avi_controller": "http://host:notaport"}, {}, "--avi-controller"),
        ({"port": 70000}, {}, "--port"),
        ({"port": "eighty"}, {}, "--port"),
        ({"workers": 0}, {}, "--workers"),
        ({"resync_period": -1}, {}, "--resync-period"),
        ({"cluster_name": "has space"}, {}, "--cluster-name"),
        ({"cluster_name": ""}, {}, "--cluster-name"),
    ],
)
def test_invalid_values_name_the_setting(flags: dict, env: dict, setting: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config(flags, env)
    assert info.value.setting == setting
    assert setting in str(info.value)


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(ConfigError):
        build_config({"no_such_thing": 1}, {})


def test_with_overrides_validates() -> None:
    config = EngineConfig().with_overrides(service_type="nodeport", workers="2")
    assert (config.service_type, config.workers) == ("NodePort", 2)
    with pytest.raises(ConfigError):
        EngineConfig().with_overrides(service_type="bogus")


def test_every_setting_with_a_flag_is_an_engine_option_and_every_one_has_its_variable() -> None:
    from click.testing import CliRunner

    from simulator.cli import main
    from simulator.config import ENV_VARS, settings_of

    help_text = CliRunner().invoke(main, ["engine", "--help"], terminal_width=200).output
    for name, meta, _ in settings_of():
        assert ENV_VARS[meta.env] == name
        assert (f"--{name.replace('_', '-')} " in help_text) is meta.flag, name
        if meta.flag:
            assert f"env {meta.env}]" in help_text
    assert "admin; env CTRL_PASSWORD" not in help_text, "the password's default is not shown"
    names = [name for name, _, _ in settings_of()]
    assert "license_tier" not in names, "learnt from the controller, not set by users"
    assert names[:2] == ["cluster_name", "cloud"], "the domain's settings are inherited"


def test_domain_settings_are_the_config_fields_of_the_same_name() -> None:
    from simulator.config import LiveSettings
    from simulator.domain.model import Settings

    config = EngineConfig().with_overrides(cluster_name="blue", enable_evh="true")
    settings = config.domain()
    assert settings == Settings(cluster_name="blue", enable_evh=True)
    live = LiveSettings(settings)
    assert live.learn_license_tier("ESSENTIALS") is live.current
    assert live.current == Settings(cluster_name="blue", enable_evh=True, license_tier="ESSENTIALS")
