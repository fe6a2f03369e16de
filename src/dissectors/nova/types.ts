/**
 * Typed Nova events from the Nova dissectors (REST and oslo.messaging), for the timeline.
 */
import type { HttpEventBase, MessageIds, Observation } from '../types.js';
import type { OsloExternalEvent } from './osloMessage.js';

export type { OsloExternalEvent };

// oslo.messaging

export type NovaRpcKind = 'rpc-call' | 'rpc-cast' | 'notification';

/** A call's reply (one or more parts with `ending` on the last): times are the last part's. */
export interface NovaRpcReply {
  publish?: Observation;
  deliveries: Observation[];
  /** Failure text (`<class>: <message>`, URL credentials masked), when the reply carried one. */
  failure?: string;
  /** Reply messages seen for this call (oslo sends several only for generator results). */
  parts: number;
}

/**
 * One oslo.messaging message as seen on both sides of the broker: the publish on the
 * sender's connection and every delivery to a consumer (fanout casts have several).
 */
export interface NovaRpcEvent {
  kind: NovaRpcKind;
  /** RPC method (calls and casts). */
  method?: string;
  /** Notification event type. */
  eventType?: string;
  /** `conductor`, `scheduler`, `compute`, `notifications`, `versioned_notifications`, … */
  topic: string;
  /** Server part of a directed topic (`compute.<host>` → host). */
  server?: string;
  /** True when sent through `<topic>_fanout`. */
  fanout: boolean;
  exchange: string;
  routingKey: string;
  namespace?: string;
  version?: string;
  publish?: Observation;
  deliveries: Observation[];
  /** Calls only: the matched reply, when any part of it was seen. */
  reply?: NovaRpcReply;
  /** `server` (one instance), `servers` (several), `request` (`_context_request_id`). */
  ids: MessageIds;
  msgId?: string;
  uniqueId?: string;
  requestId?: string;
  globalRequestId?: string;
  /** `object_action`: the method called on the object (`save`, `destroy`, …) and the object class. */
  objmethod?: string;
  objectName?: string;
  /** Instance object actions: the saved `vm_state`, and whether `nova_object.changes` lists it. */
  vmState?: string;
  changesVmState?: boolean;
  /** Neutron agent calls: the tap devices named (`tap` + the first 11 characters of a port id). */
  devices?: string[];
  /** `external_instance_event`: the events (name, server, port tag). */
  externalEvents?: OsloExternalEvent[];
  /** Notifications: `timestamp` as Unix microseconds, on the publisher's clock. */
  notificationTimestampUs?: number;
  publisherId?: string;
  priority?: string;
  messageId?: string;
}

// REST

/** One event of a `POST /v2.1/os-server-external-events` (neutron-server → nova-api). */
export interface ExternalEventFact {
  /** `network-vif-plugged`, `network-changed`, … */
  name: string;
  server: string;
  /** The port id, for network events. */
  tag?: string;
  status?: string;
}

/** The OpenStack services whose HTTP APIs we recognise. */
export type NovaService = 'nova-api' | 'keystone' | 'glance' | 'placement' | 'neutron';

/** Server port → service (configurable; see defaultServicePorts in restServices.ts). */
export type ServicePortTable = Readonly<Record<number, NovaService>>;

/** One HTTP exchange with an OpenStack service, reduced to what the timeline needs. */
export interface NovaHttpEvent extends HttpEventBase {
  /** Who answered. */
  service: NovaService;
  /** Route template, `METHOD /path/{id}` without service prefix or query. */
  route: string;
  /**
   * `request` is the id of the request this call belongs to: the caller's
   * `X-OpenStack-Request-ID` when it sent one (nova-api → glance, scheduler → placement),
   * else the id the service answered with.
   */
  ids: MessageIds;
  /** The id the answering service gave this call, when it differs from `ids.request`. */
  serviceRequestId?: string;
  /** `server.status` of a `GET /v2.1/servers/{id}` response (`BUILD`, `ACTIVE`, …). */
  serverStatus?: string;
  /** `PUT /v2.0/ports/{id}`: the `binding:host_id` it sets. */
  bindingHost?: string;
  /** `POST /v2.1/os-server-external-events`: the events it carries. */
  externalEvents?: ExternalEventFact[];
  /** A Keystone token validation (`GET`/`HEAD /v3/auth/tokens`); the tokens are never kept. */
  tokenValidation?: boolean;
  /** Why the exchange is incomplete, when it is (from the HTTP parser). */
  incomplete?: string;
}
