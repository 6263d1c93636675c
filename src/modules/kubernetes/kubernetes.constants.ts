/** The loaded client configuration (a @kubernetes/client-node KubeConfig): the Kubernetes seam. */
export const KUBE_CONFIG = Symbol('KUBE_CONFIG');
