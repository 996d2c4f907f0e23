"""Protobuf field numbers of the built-in kinds' messages: facts taken from upstream, nothing else.

One entry per message, keyed by the ``kubernetes`` Python client's model name (``V1Service``,
``CoreV1Event``...). The field TYPES and JSON names come from those models (``openapi_types``,
``attribute_map``); this table only adds what the models cannot say:

``<json name>=<number>[flags][:<kind>]``, separated by spaces.

- ``<number>`` is the field number; ``1.2`` means field 2 of the message held in field 1, for a
  Go struct embedded inline (its JSON fields are flattened, its protobuf message is not).
- ``*``: a Go pointer: when present it is kept even if zero (``replicas: 0``), when absent omitted.
- ``!``: no ``omitempty`` in the Go JSON tag: emitted even when zero or absent, as Go does.
- ``?``: ``omitzero``: omitted when zero (``creationTimestamp`` of kubectl 1.37).
- ``:<kind>`` names a wire shape the model's type does not tell: ``time``, ``microtime``,
  ``intstr``, ``quantity``, ``bytes``, ``raw`` (RawExtension, FieldsV1, apiextensions JSON),
  ``extra`` (a list of strings wrapped in a message), ``empty`` (a message with no fields),
  ``orarray``, ``orbool``, ``orstrings`` (JSONSchemaProps' unions).

Taken from the Go struct tags (``protobuf:"...,N,..."``, ``json:"..."``) of kubernetes/api
10b39a39b, kubernetes/apimachinery eed236ce and kubernetes/apiextensions-apiserver 1aa2717a5
(July 2026). Pure data: no imports, no logic.
"""

# Fields the Python client has but upstream at those commits numbers nowhere (added later):
# the decoder leaves them out; the completeness test knows them by name.
UNNUMBERED: dict[str, frozenset[str]] = {
    "V1NodeSystemInfo": frozenset({"runningInUserNamespace"}),
}

FIELDS: dict[str, str] = {
    "AdmissionregistrationV1ServiceReference": "namespace=1! name=2! path=3* port=4*",
    "AdmissionregistrationV1WebhookClientConfig": "service=1* caBundle=2:bytes url=3*",
    "ApiextensionsV1ServiceReference": "namespace=1! name=2! path=3* port=4*",
    "ApiextensionsV1WebhookClientConfig": "service=1* caBundle=2:bytes url=3*",
    "AuthenticationV1TokenRequest": "metadata=1 spec=2! status=3",
    "CoreV1EndpointPort": "name=1 port=2! protocol=3 appProtocol=4*",
    "CoreV1Event": (
        "metadata=1! involvedObject=2! reason=3 message=4 source=5 firstTimestamp=6:time "
        "lastTimestamp=7:time count=8 type=9 eventTime=10:microtime series=11* action=12 "
        "related=13* reportingComponent=14! reportingInstance=15!"
    ),
    "CoreV1EventList": "metadata=1 items=2!",
    "CoreV1EventSeries": "count=1 lastObservedTime=2:microtime",
    "CoreV1ResourceClaim": "name=1! request=2",
    "DiscoveryV1EndpointPort": "name=1* protocol=2* port=3* appProtocol=4*",
    "EventsV1Event": (
        "metadata=1! eventTime=2!:microtime series=3* reportingController=4 reportingInstance=5 "
        "action=6 reason=7 regarding=8 related=9* note=10 type=11 deprecatedSource=12 "
        "deprecatedFirstTimestamp=13:time deprecatedLastTimestamp=14:time deprecatedCount=15"
    ),
    "EventsV1EventList": "metadata=1 items=2!",
    "EventsV1EventSeries": "count=1! lastObservedTime=2!:microtime",
    "FlowcontrolV1Subject": "kind=1! user=2* group=3* serviceAccount=4*",
    "RbacV1Subject": "kind=1! apiGroup=2 name=3! namespace=4",
    "StorageV1TokenRequest": "audience=1! expirationSeconds=2*",
    "V1AWSElasticBlockStoreVolumeSource": "volumeID=1! fsType=2 partition=3 readOnly=4",
    "V1Affinity": "nodeAffinity=1* podAffinity=2* podAntiAffinity=3*",
    "V1AggregationRule": "clusterRoleSelectors=1",
    "V1AppArmorProfile": "type=1! localhostProfile=2*",
    "V1ApplyConfiguration": "expression=1",
    "V1AttachedVolume": "name=1! devicePath=2!",
    "V1AuditAnnotation": "key=1! valueExpression=2!",
    "V1AzureDiskVolumeSource": (
        "diskName=1! diskURI=2! cachingMode=3* fsType=4* readOnly=5* kind=6*"
    ),
    "V1AzureFilePersistentVolumeSource": (
        "secretName=1! shareName=2! readOnly=3 secretNamespace=4*!"
    ),
    "V1AzureFileVolumeSource": "secretName=1! shareName=2! readOnly=3",
    "V1Binding": "metadata=1 target=2!",
    "V1BoundObjectReference": "kind=1 apiVersion=2 name=3 uid=4",
    "V1CSIDriver": "metadata=1 spec=2!",
    "V1CSIDriverList": "metadata=1 items=2!",
    "V1CSIDriverSpec": (
        "attachRequired=1* podInfoOnMount=2* volumeLifecycleModes=3 storageCapacity=4* "
        "fsGroupPolicy=5* tokenRequests=6 requiresRepublish=7* seLinuxMount=8* "
        "nodeAllocatableUpdatePeriodSeconds=9* serviceAccountTokenInSecrets=10* "
        "preventPodSchedulingIfMissing=11*"
    ),
    "V1CSINode": "metadata=1 spec=2! status=3",
    "V1CSINodeDriver": "name=1! nodeID=2! topologyKeys=3! allocatable=4*",
    "V1CSINodeList": "metadata=1 items=2!",
    "V1CSINodeSpec": "drivers=1!",
    "V1CSINodeStatus": "storageHealth=1",
    "V1CSIPersistentVolumeSource": (
        "driver=1! volumeHandle=2! readOnly=3 fsType=4 volumeAttributes=5 "
        "controllerPublishSecretRef=6* nodeStageSecretRef=7* nodePublishSecretRef=8* "
        "controllerExpandSecretRef=9* nodeExpandSecretRef=10*"
    ),
    "V1CSIStorageCapacity": (
        "metadata=1 nodeTopology=2* storageClassName=3! capacity=4*:quantity "
        "maximumVolumeSize=5*:quantity"
    ),
    "V1CSIStorageCapacityList": "metadata=1 items=2!",
    "V1CSIVolumeSource": (
        "driver=1! readOnly=2* fsType=3* volumeAttributes=4 nodePublishSecretRef=5*"
    ),
    "V1Capabilities": "add=1 drop=2",
    "V1CephFSPersistentVolumeSource": (
        "monitors=1! path=2 user=3 secretFile=4 secretRef=5* readOnly=6"
    ),
    "V1CephFSVolumeSource": "monitors=1! path=2 user=3 secretFile=4 secretRef=5* readOnly=6",
    "V1CertificateSigningRequest": "metadata=1 spec=2! status=3",
    "V1CertificateSigningRequestCondition": (
        "type=1! reason=2 message=3 lastUpdateTime=4:time lastTransitionTime=5:time status=6!"
    ),
    "V1CertificateSigningRequestList": "metadata=1 items=2!",
    "V1CertificateSigningRequestSpec": (
        "request=1!:bytes username=2 uid=3 groups=4 usages=5 extra=6 signerName=7! "
        "expirationSeconds=8*"
    ),
    "V1CertificateSigningRequestStatus": "conditions=1 certificate=2:bytes",
    "V1CinderPersistentVolumeSource": "volumeID=1! fsType=2 readOnly=3 secretRef=4*",
    "V1CinderVolumeSource": "volumeID=1! fsType=2 readOnly=3 secretRef=4*",
    "V1ClientIPConfig": "timeoutSeconds=1*",
    "V1ClusterRole": "metadata=1 rules=2! aggregationRule=3*",
    "V1ClusterRoleBinding": "metadata=1 subjects=2 roleRef=3!",
    "V1ClusterRoleBindingList": "metadata=1 items=2!",
    "V1ClusterRoleList": "metadata=1 items=2!",
    "V1ClusterTrustBundle": "metadata=1 spec=2!",
    "V1ClusterTrustBundleList": "metadata=1 items=2!",
    "V1ClusterTrustBundleProjection": (
        "name=1* signerName=2* labelSelector=3* path=4! optional=5* user=6*"
    ),
    "V1ClusterTrustBundleSpec": "signerName=1 trustBundle=2!",
    "V1ComponentCondition": "type=1! status=2! message=3 error=4",
    "V1ComponentStatus": "metadata=1 conditions=2",
    "V1ComponentStatusList": "metadata=1 items=2!",
    "V1Condition": (
        "type=1! status=2! observedGeneration=3 lastTransitionTime=4!:time reason=5! message=6!"
    ),
    "V1ConfigMap": "metadata=1 data=2 binaryData=3:bytes immutable=4*",
    "V1ConfigMapEnvSource": "name=1.1 optional=2*",
    "V1ConfigMapKeySelector": "name=1.1 key=2! optional=3*",
    "V1ConfigMapList": "metadata=1 items=2!",
    "V1ConfigMapNodeConfigSource": (
        "namespace=1! name=2! uid=3 resourceVersion=4 kubeletConfigKey=5!"
    ),
    "V1ConfigMapProjection": "name=1.1 items=2 optional=4*",
    "V1ConfigMapVolumeSource": "name=1.1 items=2 defaultMode=3* optional=4* defaultUser=5*",
    "V1Container": (
        "name=1! image=2 command=3 args=4 workingDir=5 ports=6 env=7 resources=8 volumeMounts=9 "
        "livenessProbe=10* readinessProbe=11* lifecycle=12* terminationMessagePath=13 "
        "imagePullPolicy=14 securityContext=15* stdin=16 stdinOnce=17 tty=18 envFrom=19 "
        "terminationMessagePolicy=20 volumeDevices=21 startupProbe=22* resizePolicy=23 "
        "restartPolicy=24* restartPolicyRules=25"
    ),
    "V1ContainerExtendedResourceRequest": "containerName=1! resourceName=2! requestName=3!",
    "V1ContainerImage": "names=1! sizeBytes=2",
    "V1ContainerPort": "name=1 hostPort=2 containerPort=3! protocol=4 hostIP=5",
    "V1ContainerResizePolicy": "resourceName=1! restartPolicy=2!",
    "V1ContainerRestartRule": "action=1 exitCodes=2*",
    "V1ContainerRestartRuleOnExitCodes": "operator=1 values=2",
    "V1ContainerState": "waiting=1* running=2* terminated=3*",
    "V1ContainerStateRunning": "startedAt=1:time",
    "V1ContainerStateTerminated": (
        "exitCode=1! signal=2 reason=3 message=4 startedAt=5:time finishedAt=6:time containerID=7"
    ),
    "V1ContainerStateWaiting": "reason=1 message=2",
    "V1ContainerStatus": (
        "name=1! state=2 lastState=3 ready=4! restartCount=5! image=6! imageID=7! containerID=8 "
        "started=9* allocatedResources=10:quantity resources=11* volumeMounts=12 user=13* "
        "allocatedResourcesStatus=14 stopSignal=15*"
    ),
    "V1ContainerUser": "linux=1*",
    "V1ControllerRevision": "metadata=1 data=2!:raw revision=3!",
    "V1ControllerRevisionList": "metadata=1 items=2!",
    "V1CronJob": "metadata=1 spec=2 status=3",
    "V1CronJobList": "metadata=1 items=2!",
    "V1CronJobSpec": (
        "schedule=1! startingDeadlineSeconds=2* concurrencyPolicy=3 suspend=4* jobTemplate=5! "
        "successfulJobsHistoryLimit=6* failedJobsHistoryLimit=7* timeZone=8*"
    ),
    "V1CronJobStatus": "active=1 lastScheduleTime=4*:time lastSuccessfulTime=5*:time",
    "V1CrossVersionObjectReference": "kind=1! name=2! apiVersion=3",
    "V1CustomResourceColumnDefinition": (
        "name=1! type=2! format=3 description=4 priority=5 jsonPath=6!"
    ),
    "V1CustomResourceConversion": "strategy=1! webhook=2*",
    "V1CustomResourceDefinition": "metadata=1 spec=2! status=3",
    "V1CustomResourceDefinitionCondition": (
        "type=1! status=2! lastTransitionTime=3:time reason=4 message=5 observedGeneration=6"
    ),
    "V1CustomResourceDefinitionList": "metadata=1 items=2!",
    "V1CustomResourceDefinitionNames": (
        "plural=1! singular=2 shortNames=3 kind=4! listKind=5 categories=6"
    ),
    "V1CustomResourceDefinitionSpec": (
        "group=1! names=3! scope=4! versions=7! conversion=9* preserveUnknownFields=10"
    ),
    "V1CustomResourceDefinitionStatus": (
        "conditions=1! acceptedNames=2! storedVersions=3! observedGeneration=4"
    ),
    "V1CustomResourceDefinitionVersion": (
        "name=1! served=2! storage=3! schema=4* subresources=5* additionalPrinterColumns=6 "
        "deprecated=7 deprecationWarning=8* selectableFields=9"
    ),
    "V1CustomResourceSubresourceScale": (
        "specReplicasPath=1! statusReplicasPath=2! labelSelectorPath=3*"
    ),
    "V1CustomResourceSubresources": "status=1*:empty scale=2*",
    "V1CustomResourceValidation": "openAPIV3Schema=1*",
    "V1DaemonEndpoint": "Port=1!",
    "V1DaemonSet": "metadata=1 spec=2 status=3",
    "V1DaemonSetCondition": "type=1! status=2! lastTransitionTime=3:time reason=4 message=5",
    "V1DaemonSetList": "metadata=1 items=2!",
    "V1DaemonSetSpec": (
        "selector=1*! template=2! updateStrategy=3 minReadySeconds=4 revisionHistoryLimit=6*"
    ),
    "V1DaemonSetStatus": (
        "currentNumberScheduled=1! numberMisscheduled=2! desiredNumberScheduled=3! "
        "numberReady=4! observedGeneration=5 updatedNumberScheduled=6 numberAvailable=7 "
        "numberUnavailable=8 collisionCount=9* conditions=10"
    ),
    "V1DaemonSetUpdateStrategy": "type=1 rollingUpdate=2*",
    "V1DeleteOptions": (
        "gracePeriodSeconds=1* preconditions=2* orphanDependents=3* propagationPolicy=4* "
        "dryRun=5 ignoreStoreReadErrorWithClusterBreakingPotential=6*"
    ),
    "V1Deployment": "metadata=1 spec=2 status=3",
    "V1DeploymentCondition": (
        "type=1! status=2! reason=4 message=5 lastUpdateTime=6:time lastTransitionTime=7:time"
    ),
    "V1DeploymentList": "metadata=1 items=2!",
    "V1DeploymentSpec": (
        "replicas=1* selector=2*! template=3! strategy=4 minReadySeconds=5 "
        "revisionHistoryLimit=6* paused=7 progressDeadlineSeconds=9*"
    ),
    "V1DeploymentStatus": (
        "observedGeneration=1 replicas=2 updatedReplicas=3 availableReplicas=4 "
        "unavailableReplicas=5 conditions=6 readyReplicas=7 collisionCount=8* "
        "terminatingReplicas=9*"
    ),
    "V1DeploymentStrategy": "type=1 rollingUpdate=2*",
    "V1DownwardAPIProjection": "items=1",
    "V1DownwardAPIVolumeFile": "path=1! fieldRef=2* resourceFieldRef=3* mode=4* user=5*",
    "V1DownwardAPIVolumeSource": "items=1 defaultMode=2* defaultUser=3*",
    "V1EmptyDirVolumeSource": "medium=1 sizeLimit=2*:quantity mode=3*",
    "V1Endpoint": (
        "addresses=1! conditions=2 hostname=3* targetRef=4* deprecatedTopology=5 nodeName=6* "
        "zone=7* hints=8*"
    ),
    "V1EndpointAddress": "ip=1! targetRef=2* hostname=3 nodeName=4*",
    "V1EndpointConditions": "ready=1* serving=2* terminating=3*",
    "V1EndpointHints": "forZones=1 forNodes=2",
    "V1EndpointSlice": "metadata=1 endpoints=2! ports=3! addressType=4!",
    "V1EndpointSliceList": "metadata=1 items=2!",
    "V1EndpointSubset": "addresses=1 notReadyAddresses=2 ports=3",
    "V1Endpoints": "metadata=1 subsets=2",
    "V1EndpointsList": "metadata=1 items=2!",
    "V1EnvFromSource": "prefix=1 configMapRef=2* secretRef=3*",
    "V1EnvVar": "name=1! value=2 valueFrom=3*",
    "V1EnvVarSource": (
        "fieldRef=1* resourceFieldRef=2* configMapKeyRef=3* secretKeyRef=4* fileKeyRef=5*"
    ),
    "V1EphemeralContainer": (
        "name=1.1! image=1.2 command=1.3 args=1.4 workingDir=1.5 ports=1.6 env=1.7 "
        "resources=1.8 volumeMounts=1.9 livenessProbe=1.10* readinessProbe=1.11* "
        "lifecycle=1.12* terminationMessagePath=1.13 imagePullPolicy=1.14 securityContext=1.15* "
        "stdin=1.16 stdinOnce=1.17 tty=1.18 envFrom=1.19 terminationMessagePolicy=1.20 "
        "volumeDevices=1.21 startupProbe=1.22* resizePolicy=1.23 restartPolicy=1.24* "
        "restartPolicyRules=1.25 targetContainerName=2"
    ),
    "V1EphemeralVolumeSource": "volumeClaimTemplate=1*",
    "V1EventSource": "component=1 host=2",
    "V1Eviction": "metadata=1 deleteOptions=2*",
    "V1EvictionResponder": "name=1! priority=2*!",
    "V1ExecAction": "command=1",
    "V1ExemptPriorityLevelConfiguration": "nominalConcurrencyShares=1* lendablePercent=2*",
    "V1ExpressionWarning": "fieldRef=2! warning=3!",
    "V1ExternalDocumentation": "description=1 url=2",
    "V1FCVolumeSource": "targetWWNs=1 lun=2* fsType=3 readOnly=4 wwids=5",
    "V1FieldSelectorAttributes": "rawSelector=1 requirements=2",
    "V1FieldSelectorRequirement": "key=1! operator=2! values=3",
    "V1FileKeySelector": "volumeName=1! path=2! key=3! optional=4*",
    "V1FlexPersistentVolumeSource": "driver=1! fsType=2 secretRef=3* readOnly=4 options=5",
    "V1FlexVolumeSource": "driver=1! fsType=2 secretRef=3* readOnly=4 options=5",
    "V1FlockerVolumeSource": "datasetName=1 datasetUUID=2",
    "V1FlowDistinguisherMethod": "type=1!",
    "V1FlowSchema": "metadata=1 spec=2 status=3",
    "V1FlowSchemaCondition": "type=1 status=2 lastTransitionTime=3:time reason=4 message=5",
    "V1FlowSchemaList": "metadata=1 items=2!",
    "V1FlowSchemaSpec": (
        "priorityLevelConfiguration=1! matchingPrecedence=2! distinguisherMethod=3* rules=4"
    ),
    "V1FlowSchemaStatus": "conditions=1",
    "V1ForNode": "name=1!",
    "V1ForZone": "name=1!",
    "V1GCEPersistentDiskVolumeSource": "pdName=1! fsType=2 partition=3 readOnly=4",
    "V1GRPCAction": "port=1! service=2*! mode=3*",
    "V1GitRepoVolumeSource": "repository=1! revision=2 directory=3",
    "V1GlusterfsPersistentVolumeSource": "endpoints=1! path=2! readOnly=3 endpointsNamespace=4*",
    "V1GlusterfsVolumeSource": "endpoints=1! path=2! readOnly=3",
    "V1GroupSubject": "name=1!",
    "V1HTTPGetAction": "path=1 port=2!:intstr host=3 scheme=4 httpHeaders=5 protocol=6*",
    "V1HTTPHeader": "name=1! value=2!",
    "V1HTTPIngressPath": "path=1 backend=2! pathType=3*!",
    "V1HTTPIngressRuleValue": "paths=1!",
    "V1HorizontalPodAutoscaler": "metadata=1 spec=2 status=3",
    "V1HorizontalPodAutoscalerList": "metadata=1 items=2!",
    "V1HorizontalPodAutoscalerSpec": (
        "scaleTargetRef=1! minReplicas=2* maxReplicas=3! targetCPUUtilizationPercentage=4*"
    ),
    "V1HorizontalPodAutoscalerStatus": (
        "observedGeneration=1* lastScaleTime=2*:time currentReplicas=3! desiredReplicas=4! "
        "currentCPUUtilizationPercentage=5*"
    ),
    "V1HostAlias": "ip=1! hostnames=2",
    "V1HostIP": "ip=1!",
    "V1HostPathVolumeSource": "path=1! type=2*",
    "V1IPAddress": "metadata=1 spec=2",
    "V1IPAddressList": "metadata=1 items=2!",
    "V1IPAddressSpec": "parentRef=1*",
    "V1IPBlock": "cidr=1! except=2",
    "V1ISCSIPersistentVolumeSource": (
        "targetPortal=1! iqn=2! lun=3! iscsiInterface=4 fsType=5 readOnly=6 portals=7 "
        "chapAuthDiscovery=8 secretRef=10* chapAuthSession=11 initiatorName=12*"
    ),
    "V1ISCSIVolumeSource": (
        "targetPortal=1! iqn=2! lun=3! iscsiInterface=4 fsType=5 readOnly=6 portals=7 "
        "chapAuthDiscovery=8 secretRef=10* chapAuthSession=11 initiatorName=12*"
    ),
    "V1ImageVolumeSource": "reference=1 pullPolicy=2",
    "V1ImageVolumeStatus": "imageRef=1",
    "V1Ingress": "metadata=1 spec=2 status=3",
    "V1IngressBackend": "resource=3* service=4*",
    "V1IngressClass": "metadata=1 spec=2",
    "V1IngressClassList": "metadata=1 items=2!",
    "V1IngressClassParametersReference": "apiGroup=1* kind=2! name=3! scope=4*! namespace=5*",
    "V1IngressClassSpec": "controller=1 parameters=2*",
    "V1IngressList": "metadata=1 items=2!",
    "V1IngressLoadBalancerIngress": "ip=1 hostname=2 ports=4",
    "V1IngressLoadBalancerStatus": "ingress=1",
    "V1IngressPortStatus": "port=1! protocol=2! error=3*",
    "V1IngressRule": "host=1 http=2.1*",
    "V1IngressServiceBackend": "name=1! port=2",
    "V1IngressSpec": "defaultBackend=1* tls=2 rules=3 ingressClassName=4*",
    "V1IngressStatus": "loadBalancer=1",
    "V1IngressTLS": "hosts=1 secretName=2",
    "V1JSONPatch": "expression=1",
    "V1JSONSchemaProps": (
        "id=1 $schema=2 $ref=3* description=4 type=5 format=6 title=7 default=8*:raw maximum=9* "
        "exclusiveMaximum=10 minimum=11* exclusiveMinimum=12 maxLength=13* minLength=14* "
        "pattern=15 maxItems=16* minItems=17* uniqueItems=18 multipleOf=19* enum=20:raw "
        "maxProperties=21* minProperties=22* required=23 items=24*:orarray allOf=25 oneOf=26 "
        "anyOf=27 not=28* properties=29 additionalProperties=30*:orbool patternProperties=31 "
        "dependencies=32:orstrings additionalItems=33*:orbool definitions=34 externalDocs=35* "
        "example=36*:raw nullable=37 x-kubernetes-preserve-unknown-fields=38* "
        "x-kubernetes-embedded-resource=39 x-kubernetes-int-or-string=40 "
        "x-kubernetes-list-map-keys=41 x-kubernetes-list-type=42* x-kubernetes-map-type=43* "
        "x-kubernetes-validations=44"
    ),
    "V1Job": "metadata=1 spec=2 status=3",
    "V1JobCondition": (
        "type=1! status=2! lastProbeTime=3:time lastTransitionTime=4:time reason=5 message=6"
    ),
    "V1JobList": "metadata=1 items=2!",
    "V1JobSchedulingConfiguration": (
        "schedulingPolicy=1* schedulingConstraints=2* disruptionMode=3* resourceClaims=4"
    ),
    "V1JobSpec": (
        "parallelism=1* completions=2* activeDeadlineSeconds=3* selector=4* manualSelector=5* "
        "template=6! backoffLimit=7* ttlSecondsAfterFinished=8* completionMode=9* suspend=10* "
        "podFailurePolicy=11* backoffLimitPerIndex=12* maxFailedIndexes=13* "
        "podReplacementPolicy=14* managedBy=15* successPolicy=16* scheduling=17*"
    ),
    "V1JobStatus": (
        "conditions=1 startTime=2*:time completionTime=3*:time active=4 succeeded=5 failed=6 "
        "completedIndexes=7 uncountedTerminatedPods=8* ready=9* failedIndexes=10* "
        "terminating=11*"
    ),
    "V1JobTemplateSpec": "metadata=1 spec=2",
    "V1KeyToPath": "key=1! path=2! mode=3* user=4*",
    "V1LabelSelector": "matchLabels=1 matchExpressions=2",
    "V1LabelSelectorAttributes": "rawSelector=1 requirements=2",
    "V1LabelSelectorRequirement": "key=1! operator=2! values=3",
    "V1Lease": "metadata=1 spec=2",
    "V1LeaseList": "metadata=1 items=2!",
    "V1LeaseSpec": (
        "holderIdentity=1* leaseDurationSeconds=2* acquireTime=3*:microtime "
        "renewTime=4*:microtime leaseTransitions=5* strategy=6* preferredHolder=7*"
    ),
    "V1Lifecycle": "postStart=1* preStop=2* stopSignal=3*",
    "V1LifecycleHandler": "exec=1* httpGet=2* tcpSocket=3* sleep=4*",
    "V1LimitRange": "metadata=1 spec=2",
    "V1LimitRangeItem": (
        "type=1! max=2:quantity min=3:quantity default=4:quantity defaultRequest=5:quantity "
        "maxLimitRequestRatio=6:quantity"
    ),
    "V1LimitRangeList": "metadata=1 items=2!",
    "V1LimitRangeSpec": "limits=1!",
    "V1LimitResponse": "type=1! queuing=2*",
    "V1LimitedPriorityLevelConfiguration": (
        "nominalConcurrencyShares=1*! limitResponse=2 lendablePercent=3* borrowingLimitPercent=4*"
    ),
    "V1LinuxContainerUser": "uid=1! gid=2! supplementalGroups=3",
    "V1ListMeta": "selfLink=1 resourceVersion=2 continue=3 remainingItemCount=4* shardInfo=5*",
    "V1LoadBalancerIngress": "ip=1 hostname=2 ipMode=3* ports=4",
    "V1LoadBalancerStatus": "ingress=1",
    "V1LocalObjectReference": "name=1",
    "V1LocalSubjectAccessReview": "metadata=1 spec=2! status=3",
    "V1LocalVolumeSource": "path=1! fsType=2*",
    "V1ManagedFieldsEntry": (
        "manager=1 operation=2 apiVersion=3 time=4*:time fieldsType=6 fieldsV1=7*:raw subresource=8"
    ),
    "V1MatchCondition": "name=1! expression=2!",
    "V1MatchResources": (
        "namespaceSelector=1* objectSelector=2* resourceRules=3 excludeResourceRules=4 "
        "matchPolicy=7*"
    ),
    "V1ModifyVolumeStatus": "targetVolumeAttributesClassName=1 status=2!",
    "V1MutatingAdmissionPolicy": "metadata=1 spec=2",
    "V1MutatingAdmissionPolicyBinding": "metadata=1 spec=2",
    "V1MutatingAdmissionPolicyBindingList": "metadata=1 items=2!",
    "V1MutatingAdmissionPolicyBindingSpec": "policyName=1 paramRef=2* matchResources=3*",
    "V1MutatingAdmissionPolicyList": "metadata=1 items=2!",
    "V1MutatingAdmissionPolicySpec": (
        "paramKind=1* matchConstraints=2* variables=3 mutations=4 failurePolicy=5* "
        "matchConditions=6 reinvocationPolicy=7"
    ),
    "V1MutatingWebhook": (
        "name=1! clientConfig=2! rules=3 failurePolicy=4* namespaceSelector=5* sideEffects=6*! "
        "timeoutSeconds=7* admissionReviewVersions=8! matchPolicy=9* reinvocationPolicy=10* "
        "objectSelector=11* matchConditions=12"
    ),
    "V1MutatingWebhookConfiguration": "metadata=1 webhooks=2",
    "V1MutatingWebhookConfigurationList": "metadata=1 items=2!",
    "V1Mutation": "patchType=2! applyConfiguration=3* jsonPatch=4*",
    "V1NFSVolumeSource": "server=1! path=2! readOnly=3",
    "V1NamedRuleWithOperations": (
        "resourceNames=1 operations=2.1 apiGroups=2.2.1 apiVersions=2.2.2 resources=2.2.3 "
        "scope=2.2.4*"
    ),
    "V1Namespace": "metadata=1 spec=2 status=3",
    "V1NamespaceCondition": "type=1! status=2! lastTransitionTime=4:time reason=5 message=6",
    "V1NamespaceList": "metadata=1 items=2!",
    "V1NamespaceSpec": "finalizers=1",
    "V1NamespaceStatus": "phase=1 conditions=2",
    "V1NetworkPolicy": "metadata=1 spec=2",
    "V1NetworkPolicyEgressRule": "ports=1 to=2",
    "V1NetworkPolicyIngressRule": "ports=1 from=2",
    "V1NetworkPolicyList": "metadata=1 items=2!",
    "V1NetworkPolicyPeer": "podSelector=1* namespaceSelector=2* ipBlock=3*",
    "V1NetworkPolicyPort": "protocol=1* port=2*:intstr endPort=3*",
    "V1NetworkPolicySpec": "podSelector=1! ingress=2 egress=3 policyTypes=4",
    "V1Node": "metadata=1 spec=2 status=3",
    "V1NodeAddress": "type=1! address=2!",
    "V1NodeAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution=1* "
        "preferredDuringSchedulingIgnoredDuringExecution=2"
    ),
    "V1NodeAllocatableMappedResources": "name=1! quantity=2*!:quantity",
    "V1NodeAllocatableOverheadResources": "name=1! perPod=2*:quantity perContainer=3*:quantity",
    "V1NodeAllocatableResourceClaimStatus": (
        "resourceClaimName=1! containers=2 mapping=4 overhead=5"
    ),
    "V1NodeCondition": (
        "type=1! status=2! lastHeartbeatTime=3:time lastTransitionTime=4:time reason=5 message=6"
    ),
    "V1NodeConfigSource": "configMap=2*",
    "V1NodeConfigStatus": "assigned=1* active=2* lastKnownGood=3* error=4",
    "V1NodeDaemonEndpoints": "kubeletEndpoint=1",
    "V1NodeFeatures": "supplementalGroupsPolicy=1*",
    "V1NodeList": "metadata=1 items=2!",
    "V1NodePodPreemptionPolicy": "disableResizePreemption=1",
    "V1NodeRuntimeHandler": "name=1! features=2*",
    "V1NodeRuntimeHandlerFeatures": "recursiveReadOnlyMounts=1* userNamespaces=2*",
    "V1NodeSelector": "nodeSelectorTerms=1!",
    "V1NodeSelectorRequirement": "key=1! operator=2! values=3",
    "V1NodeSelectorTerm": "matchExpressions=1 matchFields=2",
    "V1NodeSpec": (
        "podCIDR=1 externalID=2 providerID=3 unschedulable=4 taints=5 configSource=6* "
        "podCIDRs=7 podPreemptionPolicy=8*"
    ),
    "V1NodeStatus": (
        "capacity=1:quantity allocatable=2:quantity phase=3 conditions=4 addresses=5 "
        "daemonEndpoints=6 nodeInfo=7 images=8 volumesInUse=9 volumesAttached=10 config=11* "
        "runtimeHandlers=12 features=13* declaredFeatures=14"
    ),
    "V1NodeSwapStatus": "capacity=1*",
    "V1NodeSystemInfo": (
        "machineID=1! systemUUID=2! bootID=3! kernelVersion=4! osImage=5! "
        "containerRuntimeVersion=6! kubeletVersion=7! kubeProxyVersion=8! operatingSystem=9! "
        "architecture=10! swap=11*"
    ),
    "V1NonResourceAttributes": "path=1 verb=2",
    "V1NonResourcePolicyRule": "verbs=1! nonResourceURLs=6!",
    "V1NonResourceRule": "verbs=1! nonResourceURLs=2",
    "V1ObjectFieldSelector": "apiVersion=1 fieldPath=2!",
    "V1ObjectMeta": (
        "name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6 generation=7 "
        "creationTimestamp=8?:time deletionTimestamp=9*:time deletionGracePeriodSeconds=10* "
        "labels=11 annotations=12 ownerReferences=13 finalizers=14 managedFields=17"
    ),
    "V1ObjectReference": (
        "kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7"
    ),
    "V1Overhead": "podFixed=1:quantity",
    "V1OwnerReference": "kind=1! name=3! uid=4! apiVersion=5! controller=6* blockOwnerDeletion=7*",
    "V1ParamKind": "apiVersion=1 kind=2",
    "V1ParamRef": "name=1 namespace=2 selector=3* parameterNotFoundAction=4*",
    "V1ParentReference": "group=1 resource=2 namespace=3 name=4",
    "V1PersistentVolume": "metadata=1 spec=2 status=3",
    "V1PersistentVolumeClaim": "metadata=1 spec=2 status=3",
    "V1PersistentVolumeClaimCondition": (
        "type=1! status=2! lastProbeTime=3:time lastTransitionTime=4:time reason=5 message=6"
    ),
    "V1PersistentVolumeClaimList": "metadata=1 items=2!",
    "V1PersistentVolumeClaimSpec": (
        "accessModes=1 resources=2 volumeName=3 selector=4* storageClassName=5* volumeMode=6* "
        "dataSource=7* dataSourceRef=8* volumeAttributesClassName=9*"
    ),
    "V1PersistentVolumeClaimStatus": (
        "phase=1 accessModes=2 capacity=3:quantity conditions=4 allocatedResources=5:quantity "
        "allocatedResourceStatuses=7 currentVolumeAttributesClassName=8* modifyVolumeStatus=9* "
        "healthStatus=10*"
    ),
    "V1PersistentVolumeClaimTemplate": "metadata=1 spec=2!",
    "V1PersistentVolumeClaimVolumeSource": "claimName=1! readOnly=2",
    "V1PersistentVolumeList": "metadata=1 items=2!",
    "V1PersistentVolumeSpec": (
        "capacity=1:quantity gcePersistentDisk=2.1* awsElasticBlockStore=2.2* hostPath=2.3* "
        "glusterfs=2.4* nfs=2.5* rbd=2.6* iscsi=2.7* cinder=2.8* cephfs=2.9* fc=2.10* "
        "flocker=2.11* flexVolume=2.12* azureFile=2.13* vsphereVolume=2.14* quobyte=2.15* "
        "azureDisk=2.16* photonPersistentDisk=2.17* portworxVolume=2.18* scaleIO=2.19* "
        "local=2.20* storageos=2.21* csi=2.22* accessModes=3 claimRef=4* "
        "persistentVolumeReclaimPolicy=5 storageClassName=6 mountOptions=7 volumeMode=8* "
        "nodeAffinity=9* volumeAttributesClassName=10*"
    ),
    "V1PersistentVolumeStatus": "phase=1 message=2 reason=3 lastPhaseTransitionTime=4*:time",
    "V1PhotonPersistentDiskVolumeSource": "pdID=1! fsType=2",
    "V1Pod": "metadata=1 spec=2 status=3",
    "V1PodAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution=1 "
        "preferredDuringSchedulingIgnoredDuringExecution=2"
    ),
    "V1PodAffinityTerm": (
        "labelSelector=1* namespaces=2 topologyKey=3! namespaceSelector=4* matchLabelKeys=5 "
        "mismatchLabelKeys=6"
    ),
    "V1PodAntiAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution=1 "
        "preferredDuringSchedulingIgnoredDuringExecution=2"
    ),
    "V1PodCertificateProjection": (
        "signerName=1 keyType=2 maxExpirationSeconds=3* credentialBundlePath=4 keyPath=5 "
        "certificateChainPath=6 userAnnotations=7 user=8*"
    ),
    "V1PodCondition": (
        "type=1! status=2! lastProbeTime=3:time lastTransitionTime=4:time reason=5 message=6 "
        "observedGeneration=7"
    ),
    "V1PodDNSConfig": "nameservers=1 searches=2 options=3",
    "V1PodDNSConfigOption": "name=1 value=2*",
    "V1PodDisruptionBudget": "metadata=1 spec=2 status=3",
    "V1PodDisruptionBudgetList": "metadata=1 items=2!",
    "V1PodDisruptionBudgetSpec": (
        "minAvailable=1*:intstr selector=2* maxUnavailable=3*:intstr unhealthyPodEvictionPolicy=4*"
    ),
    "V1PodDisruptionBudgetStatus": (
        "observedGeneration=1 disruptedPods=2:time disruptionsAllowed=3! currentHealthy=4! "
        "desiredHealthy=5! expectedPods=6! conditions=7"
    ),
    "V1PodExtendedResourceClaimStatus": "requestMappings=1! resourceClaimName=2!",
    "V1PodFailurePolicy": "rules=1!",
    "V1PodFailurePolicyOnExitCodesRequirement": "containerName=1* operator=2! values=3!",
    "V1PodFailurePolicyOnPodConditionsPattern": "type=1! status=2!",
    "V1PodFailurePolicyRule": "action=1! onExitCodes=2* onPodConditions=3",
    "V1PodIP": "ip=1!",
    "V1PodList": "metadata=1 items=2!",
    "V1PodOS": "name=1!",
    "V1PodReadinessGate": "conditionType=1!",
    "V1PodResourceClaim": "name=1! resourceClaimName=3* resourceClaimTemplateName=4*",
    "V1PodResourceClaimStatus": "name=1! resourceClaimName=2*",
    "V1PodSchedulingGate": "name=1!",
    "V1PodSchedulingGroup": "podGroupName=1*",
    "V1PodSecurityContext": (
        "seLinuxOptions=1* runAsUser=2* runAsNonRoot=3* supplementalGroups=4 fsGroup=5* "
        "runAsGroup=6* sysctls=7 windowsOptions=8* fsGroupChangePolicy=9* seccompProfile=10* "
        "appArmorProfile=11* supplementalGroupsPolicy=12* seLinuxChangePolicy=13*"
    ),
    "V1PodSpec": (
        "volumes=1 containers=2! restartPolicy=3 terminationGracePeriodSeconds=4* "
        "activeDeadlineSeconds=5* dnsPolicy=6 nodeSelector=7 serviceAccountName=8 "
        "serviceAccount=9 nodeName=10 hostNetwork=11 hostPID=12 hostIPC=13 securityContext=14* "
        "imagePullSecrets=15 hostname=16 subdomain=17 affinity=18* schedulerName=19 "
        "initContainers=20 automountServiceAccountToken=21* tolerations=22 hostAliases=23 "
        "priorityClassName=24 priority=25* dnsConfig=26* shareProcessNamespace=27* "
        "readinessGates=28 runtimeClassName=29* enableServiceLinks=30* preemptionPolicy=31* "
        "overhead=32:quantity topologySpreadConstraints=33 ephemeralContainers=34 "
        "setHostnameAsFQDN=35* os=36* hostUsers=37* schedulingGates=38 resourceClaims=39 "
        "resources=40* hostnameOverride=41* schedulingGroup=43* evictionResponders=44"
    ),
    "V1PodStatus": (
        "phase=1 conditions=2 message=3 reason=4 hostIP=5 podIP=6 startTime=7*:time "
        "containerStatuses=8 qosClass=9 initContainerStatuses=10 nominatedNodeName=11 podIPs=12 "
        "ephemeralContainerStatuses=13 resize=14 resourceClaimStatuses=15 hostIPs=16 "
        "observedGeneration=17 extendedResourceClaimStatus=18* allocatedResources=19:quantity "
        "resources=20* nodeAllocatableResourceClaimStatuses=21 volumeHealth=22"
    ),
    "V1PodTemplate": "metadata=1 template=2",
    "V1PodTemplateList": "metadata=1 items=2!",
    "V1PodTemplateSpec": "metadata=1 spec=2",
    "V1PodVolumeHealth": "name=1! healthConditions=2 lastTransitionTime=3:time",
    "V1PolicyRule": "verbs=1! apiGroups=2 resources=3 resourceNames=4 nonResourceURLs=5",
    "V1PolicyRulesWithSubjects": "subjects=1! resourceRules=2 nonResourceRules=3",
    "V1PortStatus": "port=1! protocol=2! error=3*",
    "V1PortworxVolumeSource": "volumeID=1! fsType=2 readOnly=3",
    "V1Preconditions": "uid=1* resourceVersion=2*",
    "V1PreferredSchedulingTerm": "weight=1! preference=2!",
    "V1PriorityClass": "metadata=1 value=2! globalDefault=3 description=4 preemptionPolicy=5*",
    "V1PriorityClassList": "metadata=1 items=2!",
    "V1PriorityLevelConfiguration": "metadata=1 spec=2 status=3",
    "V1PriorityLevelConfigurationCondition": (
        "type=1 status=2 lastTransitionTime=3:time reason=4 message=5"
    ),
    "V1PriorityLevelConfigurationList": "metadata=1 items=2!",
    "V1PriorityLevelConfigurationReference": "name=1!",
    "V1PriorityLevelConfigurationSpec": "type=1! limited=2* exempt=3*",
    "V1PriorityLevelConfigurationStatus": "conditions=1",
    "V1Probe": (
        "exec=1.1* httpGet=1.2* tcpSocket=1.3* grpc=1.4* initialDelaySeconds=2 timeoutSeconds=3 "
        "periodSeconds=4 successThreshold=5 failureThreshold=6 terminationGracePeriodSeconds=7*"
    ),
    "V1ProjectedVolumeSource": "sources=1! defaultMode=2* defaultUser=3*",
    "V1QueuingConfiguration": "queues=1! handSize=2! queueLengthLimit=3!",
    "V1QuobyteVolumeSource": "registry=1! volume=2! readOnly=3 user=4 group=5 tenant=6",
    "V1RBDPersistentVolumeSource": (
        "monitors=1! image=2! fsType=3 pool=4 user=5 keyring=6 secretRef=7* readOnly=8"
    ),
    "V1RBDVolumeSource": (
        "monitors=1! image=2! fsType=3 pool=4 user=5 keyring=6 secretRef=7* readOnly=8"
    ),
    "V1ReplicaSet": "metadata=1 spec=2 status=3",
    "V1ReplicaSetCondition": "type=1! status=2! lastTransitionTime=3:time reason=4 message=5",
    "V1ReplicaSetList": "metadata=1 items=2!",
    "V1ReplicaSetSpec": "replicas=1* selector=2*! template=3 minReadySeconds=4",
    "V1ReplicaSetStatus": (
        "replicas=1! fullyLabeledReplicas=2 observedGeneration=3 readyReplicas=4 "
        "availableReplicas=5 conditions=6 terminatingReplicas=7*"
    ),
    "V1ReplicationController": "metadata=1 spec=2 status=3",
    "V1ReplicationControllerCondition": (
        "type=1! status=2! lastTransitionTime=3:time reason=4 message=5"
    ),
    "V1ReplicationControllerList": "metadata=1 items=2!",
    "V1ReplicationControllerSpec": "replicas=1* selector=2 template=3* minReadySeconds=4",
    "V1ReplicationControllerStatus": (
        "replicas=1! fullyLabeledReplicas=2 observedGeneration=3 readyReplicas=4 "
        "availableReplicas=5 conditions=6"
    ),
    "V1ResourceAttributes": (
        "namespace=1 verb=2 group=3 version=4 resource=5 subresource=6 name=7 fieldSelector=8* "
        "labelSelector=9*"
    ),
    "V1ResourceFieldSelector": "containerName=1 resource=2! divisor=3:quantity",
    "V1ResourceHealth": "resourceID=1! health=2 message=6*",
    "V1ResourcePolicyRule": "verbs=1! apiGroups=2! resources=3! clusterScope=4 namespaces=5!",
    "V1ResourceQuota": "metadata=1 spec=2 status=3",
    "V1ResourceQuotaList": "metadata=1 items=2!",
    "V1ResourceQuotaSpec": "hard=1:quantity scopes=2 scopeSelector=3*",
    "V1ResourceQuotaStatus": "hard=1:quantity used=2:quantity",
    "V1ResourceRequirements": "limits=1:quantity requests=2:quantity claims=3",
    "V1ResourceRule": "verbs=1! apiGroups=2 resources=3 resourceNames=4",
    "V1ResourceStatus": "name=1! resources=2",
    "V1Role": "metadata=1 rules=2!",
    "V1RoleBinding": "metadata=1 subjects=2 roleRef=3!",
    "V1RoleBindingList": "metadata=1 items=2!",
    "V1RoleList": "metadata=1 items=2!",
    "V1RoleRef": "apiGroup=1! kind=2! name=3!",
    "V1RollingUpdateDaemonSet": "maxUnavailable=1*:intstr maxSurge=2*:intstr",
    "V1RollingUpdateDeployment": "maxUnavailable=1*:intstr maxSurge=2*:intstr",
    "V1RollingUpdateStatefulSetStrategy": "partition=1* maxUnavailable=2*:intstr",
    "V1RuleWithOperations": "operations=1 apiGroups=2.1 apiVersions=2.2 resources=2.3 scope=2.4*",
    "V1RuntimeClass": "metadata=1 handler=2! overhead=3* scheduling=4*",
    "V1RuntimeClassList": "metadata=1 items=2!",
    "V1SELinuxOptions": "user=1 role=2 type=3 level=4",
    "V1Scale": "metadata=1 spec=2 status=3",
    "V1ScaleIOPersistentVolumeSource": (
        "gateway=1! system=2! secretRef=3*! sslEnabled=4 protectionDomain=5 storagePool=6 "
        "storageMode=7 volumeName=8 fsType=9 readOnly=10"
    ),
    "V1ScaleIOVolumeSource": (
        "gateway=1! system=2! secretRef=3*! sslEnabled=4 protectionDomain=5 storagePool=6 "
        "storageMode=7 volumeName=8 fsType=9 readOnly=10"
    ),
    "V1ScaleSpec": "replicas=1",
    "V1ScaleStatus": "replicas=1! selector=2",
    "V1Scheduling": "nodeSelector=1 tolerations=2",
    "V1ScopeSelector": "matchExpressions=1",
    "V1ScopedResourceSelectorRequirement": "scopeName=1! operator=2! values=3",
    "V1SeccompProfile": "type=1! localhostProfile=2*",
    "V1Secret": "metadata=1 data=2:bytes type=3 stringData=4 immutable=5*",
    "V1SecretEnvSource": "name=1.1 optional=2*",
    "V1SecretKeySelector": "name=1.1 key=2! optional=3*",
    "V1SecretList": "metadata=1 items=2!",
    "V1SecretProjection": "name=1.1 items=2 optional=4*",
    "V1SecretReference": "name=1 namespace=2",
    "V1SecretVolumeSource": "secretName=1 items=2 defaultMode=3* optional=4* defaultUser=5*",
    "V1SecurityContext": (
        "capabilities=1* privileged=2* seLinuxOptions=3* runAsUser=4* runAsNonRoot=5* "
        "readOnlyRootFilesystem=6* allowPrivilegeEscalation=7* runAsGroup=8* procMount=9* "
        "windowsOptions=10* seccompProfile=11* appArmorProfile=12*"
    ),
    "V1SelectableField": "jsonPath=1!",
    "V1SelfSubjectAccessReview": "metadata=1 spec=2! status=3",
    "V1SelfSubjectAccessReviewSpec": "resourceAttributes=1* nonResourceAttributes=2*",
    "V1SelfSubjectReview": "metadata=1 status=2",
    "V1SelfSubjectReviewStatus": "userInfo=1",
    "V1SelfSubjectRulesReview": "metadata=1 spec=2! status=3",
    "V1SelfSubjectRulesReviewSpec": "namespace=1",
    "V1Service": "metadata=1 spec=2 status=3",
    "V1ServiceAccount": "metadata=1 secrets=2 imagePullSecrets=3 automountServiceAccountToken=4*",
    "V1ServiceAccountList": "metadata=1 items=2!",
    "V1ServiceAccountSubject": "namespace=1! name=2!",
    "V1ServiceAccountTokenProjection": "audience=1 expirationSeconds=2* path=3! user=4*",
    "V1ServiceBackendPort": "name=1 number=2",
    "V1ServiceCIDR": "metadata=1 spec=2 status=3",
    "V1ServiceCIDRList": "metadata=1 items=2!",
    "V1ServiceCIDRSpec": "cidrs=1",
    "V1ServiceCIDRStatus": "conditions=1",
    "V1ServiceList": "metadata=1 items=2!",
    "V1ServicePort": "name=1 protocol=2 port=3! targetPort=4:intstr nodePort=5 appProtocol=6*",
    "V1ServiceSpec": (
        "ports=1 selector=2 clusterIP=3 type=4 externalIPs=5 sessionAffinity=7 loadBalancerIP=8 "
        "loadBalancerSourceRanges=9 externalName=10 externalTrafficPolicy=11 "
        "healthCheckNodePort=12 publishNotReadyAddresses=13 sessionAffinityConfig=14* "
        "ipFamilyPolicy=17* clusterIPs=18 ipFamilies=19 allocateLoadBalancerNodePorts=20* "
        "loadBalancerClass=21* internalTrafficPolicy=22* trafficDistribution=23*"
    ),
    "V1ServiceStatus": "loadBalancer=1 conditions=2",
    "V1SessionAffinityConfig": "clientIP=1*",
    "V1ShardInfo": "selector=1!",
    "V1SleepAction": "seconds=1!",
    "V1StatefulSet": "metadata=1 spec=2 status=3",
    "V1StatefulSetCondition": "type=1! status=2! lastTransitionTime=3:time reason=4 message=5",
    "V1StatefulSetList": "metadata=1 items=2!",
    "V1StatefulSetOrdinals": "start=1!",
    "V1StatefulSetPersistentVolumeClaimRetentionPolicy": "whenDeleted=1 whenScaled=2",
    "V1StatefulSetSpec": (
        "replicas=1* selector=2*! template=3! volumeClaimTemplates=4 serviceName=5! "
        "podManagementPolicy=6 updateStrategy=7 revisionHistoryLimit=8* minReadySeconds=9 "
        "persistentVolumeClaimRetentionPolicy=10* ordinals=11*"
    ),
    "V1StatefulSetStatus": (
        "observedGeneration=1 replicas=2! readyReplicas=3 currentReplicas=4 updatedReplicas=5 "
        "currentRevision=6 updateRevision=7 collisionCount=9* conditions=10 "
        "availableReplicas=11!"
    ),
    "V1StatefulSetUpdateStrategy": "type=1 rollingUpdate=2*",
    "V1Status": "metadata=1 status=2 message=3 reason=4 details=5* code=6",
    "V1StatusCause": "reason=1 message=2 field=3",
    "V1StatusDetails": "name=1 group=2 kind=3 causes=4 retryAfterSeconds=5 uid=6",
    "V1StorageClass": (
        "metadata=1 provisioner=2! parameters=3 reclaimPolicy=4* mountOptions=5 "
        "allowVolumeExpansion=6* volumeBindingMode=7* allowedTopologies=8"
    ),
    "V1StorageClassList": "metadata=1 items=2!",
    "V1StorageHealth": "name=1! healthConditions=2",
    "V1StorageHealthCondition": (
        "status=1! reason=2! message=3 accessMode=4* volumeMode=5* lastTransitionTime=6:time"
    ),
    "V1StorageOSPersistentVolumeSource": (
        "volumeName=1 volumeNamespace=2 fsType=3 readOnly=4 secretRef=5*"
    ),
    "V1StorageOSVolumeSource": "volumeName=1 volumeNamespace=2 fsType=3 readOnly=4 secretRef=5*",
    "V1SubjectAccessReview": "metadata=1 spec=2! status=3",
    "V1SubjectAccessReviewSpec": (
        "resourceAttributes=1* nonResourceAttributes=2* user=3 groups=4 extra=5:extra uid=6"
    ),
    "V1SubjectAccessReviewStatus": "allowed=1! reason=2 evaluationError=3 denied=4",
    "V1SubjectRulesReviewStatus": (
        "resourceRules=1! nonResourceRules=2! incomplete=3! evaluationError=4"
    ),
    "V1SuccessPolicy": "rules=1!",
    "V1SuccessPolicyRule": "succeededIndexes=1* succeededCount=2*",
    "V1Sysctl": "name=1! value=2!",
    "V1TCPSocketAction": "port=1!:intstr host=2",
    "V1Taint": "key=1! value=2 effect=3! timeAdded=4*:time",
    "V1TokenRequestSpec": "audiences=1! boundObjectRef=3*! expirationSeconds=4*! attestations=5",
    "V1TokenRequestStatus": "token=1! expirationTimestamp=2!:time",
    "V1TokenReview": "metadata=1 spec=2! status=3",
    "V1TokenReviewSpec": "token=1 audiences=2",
    "V1TokenReviewStatus": "authenticated=1 user=2 error=3 audiences=4",
    "V1Toleration": "key=1 operator=2 value=3 effect=4 tolerationSeconds=5*",
    "V1TopologySelectorLabelRequirement": "key=1! values=2!",
    "V1TopologySelectorTerm": "matchLabelExpressions=1",
    "V1TopologySpreadConstraint": (
        "maxSkew=1! topologyKey=2! whenUnsatisfiable=3! labelSelector=4* minDomains=5* "
        "nodeAffinityPolicy=6* nodeTaintsPolicy=7* matchLabelKeys=8"
    ),
    "V1TypeChecking": "expressionWarnings=1",
    "V1TypedLocalObjectReference": "apiGroup=1*! kind=2! name=3!",
    "V1TypedObjectReference": "apiGroup=1*! kind=2! name=3! namespace=4*",
    "V1UncountedTerminatedPods": "succeeded=1 failed=2",
    "V1UserInfo": "username=1 uid=2 groups=3 extra=4:extra",
    "V1UserSubject": "name=1!",
    "V1ValidatingAdmissionPolicy": "metadata=1 spec=2 status=3",
    "V1ValidatingAdmissionPolicyBinding": "metadata=1 spec=2",
    "V1ValidatingAdmissionPolicyBindingList": "metadata=1 items=2!",
    "V1ValidatingAdmissionPolicyBindingSpec": (
        "policyName=1 paramRef=2* matchResources=3* validationActions=4"
    ),
    "V1ValidatingAdmissionPolicyList": "metadata=1 items=2!",
    "V1ValidatingAdmissionPolicySpec": (
        "paramKind=1* matchConstraints=2* validations=3 failurePolicy=4* auditAnnotations=5 "
        "matchConditions=6 variables=7"
    ),
    "V1ValidatingAdmissionPolicyStatus": "observedGeneration=1 typeChecking=2* conditions=3",
    "V1ValidatingWebhook": (
        "name=1! clientConfig=2! rules=3 failurePolicy=4* namespaceSelector=5* sideEffects=6*! "
        "timeoutSeconds=7* admissionReviewVersions=8! matchPolicy=9* objectSelector=10* "
        "matchConditions=11"
    ),
    "V1ValidatingWebhookConfiguration": "metadata=1 webhooks=2",
    "V1ValidatingWebhookConfigurationList": "metadata=1 items=2!",
    "V1Validation": "expression=1! message=2 reason=3* messageExpression=4",
    "V1ValidationRule": (
        "rule=1! message=2 messageExpression=3 reason=4* fieldPath=5 optionalOldSelf=6*"
    ),
    "V1Variable": "name=1! expression=2!",
    "V1Volume": (
        "name=1! hostPath=2.1* emptyDir=2.2* gcePersistentDisk=2.3* awsElasticBlockStore=2.4* "
        "gitRepo=2.5* secret=2.6* nfs=2.7* iscsi=2.8* glusterfs=2.9* "
        "persistentVolumeClaim=2.10* rbd=2.11* flexVolume=2.12* cinder=2.13* cephfs=2.14* "
        "flocker=2.15* downwardAPI=2.16* fc=2.17* azureFile=2.18* configMap=2.19* "
        "vsphereVolume=2.20* quobyte=2.21* azureDisk=2.22* photonPersistentDisk=2.23* "
        "portworxVolume=2.24* scaleIO=2.25* projected=2.26* storageos=2.27* csi=2.28* "
        "ephemeral=2.29* image=2.30*"
    ),
    "V1VolumeAttachment": "metadata=1 spec=2! status=3",
    "V1VolumeAttachmentList": "metadata=1 items=2!",
    "V1VolumeAttachmentSource": "persistentVolumeName=1* inlineVolumeSpec=2*",
    "V1VolumeAttachmentSpec": "attacher=1! source=2! nodeName=3!",
    "V1VolumeAttachmentStatus": "attached=1! attachmentMetadata=2 attachError=3* detachError=4*",
    "V1VolumeAttributesClass": "metadata=1 driverName=2! parameters=3",
    "V1VolumeAttributesClassList": "metadata=1 items=2!",
    "V1VolumeDevice": "name=1! devicePath=2!",
    "V1VolumeError": "time=1:time message=2 errorCode=3*",
    "V1VolumeHealthCondition": "status=1! reason=2! message=3",
    "V1VolumeHealthStatus": "healthConditions=1 lastTransitionTime=2:time",
    "V1VolumeMount": (
        "name=1! readOnly=2 mountPath=3! subPath=4 mountPropagation=5* subPathExpr=6 "
        "recursiveReadOnly=7* bindMountOptions=8"
    ),
    "V1VolumeMountStatus": "name=1! mountPath=2! readOnly=3 recursiveReadOnly=4* volumeStatus=5*",
    "V1VolumeNodeAffinity": "required=1*",
    "V1VolumeNodeResources": "count=1*",
    "V1VolumeProjection": (
        "secret=1* downwardAPI=2* configMap=3* serviceAccountToken=4* clusterTrustBundle=5* "
        "podCertificate=6*"
    ),
    "V1VolumeResourceRequirements": "limits=1:quantity requests=2:quantity",
    "V1VolumeStatus": "image=1*",
    "V1VsphereVirtualDiskVolumeSource": (
        "volumePath=1! fsType=2 storagePolicyName=3 storagePolicyID=4"
    ),
    "V1WebhookConversion": "clientConfig=2* conversionReviewVersions=3!",
    "V1WeightedPodAffinityTerm": "weight=1! podAffinityTerm=2!",
    "V1WindowsSecurityContextOptions": (
        "gmsaCredentialSpecName=1* gmsaCredentialSpec=2* runAsUserName=3* hostProcess=4*"
    ),
    "V1alpha3TopologyConstraint": "key=1!",
    "V1alpha3WorkloadPodGroupDisruptionMode": "single=1*:empty all=2*:empty",
    "V1alpha3WorkloadPodGroupGangSchedulingPolicy": "minCount=1*",
    "V1alpha3WorkloadPodGroupResourceClaim": (
        "name=1! resourceClaimName=2* resourceClaimTemplateName=3*"
    ),
    "V1alpha3WorkloadPodGroupSchedulingConstraints": "topology=1",
    "V1alpha3WorkloadPodGroupSchedulingPolicy": "basic=1*:empty gang=2*",
    "V2ContainerResourceMetricSource": "name=1! target=2! container=3!",
    "V2ContainerResourceMetricStatus": "name=1! current=2! container=3!",
    "V2CrossVersionObjectReference": "kind=1! name=2! apiVersion=3",
    "V2ExternalMetricSource": "metric=1! target=2!",
    "V2ExternalMetricStatus": "metric=1! current=2!",
    "V2HPAScalingPolicy": "type=1! value=2! periodSeconds=3!",
    "V2HPAScalingRules": (
        "selectPolicy=1* policies=2 stabilizationWindowSeconds=3* tolerance=4*:quantity"
    ),
    "V2HorizontalPodAutoscaler": "metadata=1 spec=2 status=3",
    "V2HorizontalPodAutoscalerBehavior": "scaleUp=1* scaleDown=2*",
    "V2HorizontalPodAutoscalerCondition": (
        "type=1! status=2! lastTransitionTime=3:time reason=4 message=5 observedGeneration=6*"
    ),
    "V2HorizontalPodAutoscalerList": "metadata=1 items=2!",
    "V2HorizontalPodAutoscalerSpec": (
        "scaleTargetRef=1! minReplicas=2* maxReplicas=3! metrics=4 behavior=5*"
    ),
    "V2HorizontalPodAutoscalerStatus": (
        "observedGeneration=1* lastScaleTime=2*:time currentReplicas=3 desiredReplicas=4! "
        "currentMetrics=5! conditions=6"
    ),
    "V2MetricIdentifier": "name=1! selector=2*",
    "V2MetricSpec": "type=1! object=2* pods=3* resource=4* external=5* containerResource=7*",
    "V2MetricStatus": "type=1! object=2* pods=3* resource=4* external=5* containerResource=7*",
    "V2MetricTarget": "type=1! value=2*:quantity averageValue=3*:quantity averageUtilization=4*",
    "V2MetricValueStatus": "value=1*:quantity averageValue=2*:quantity averageUtilization=3*",
    "V2ObjectMetricSource": "describedObject=1! target=2! metric=3!",
    "V2ObjectMetricStatus": "metric=1! current=2! describedObject=3!",
    "V2PodsMetricSource": "metric=1! target=2!",
    "V2PodsMetricStatus": "metric=1! current=2!",
    "V2ResourceMetricSource": "name=1! target=2!",
    "V2ResourceMetricStatus": "name=1! current=2!",
}
