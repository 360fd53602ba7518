/**
 * The volume controllers: the PersistentVolume binder, the PVC and PV protection finalizers, the
 * local-path provisioner and the expander. They watch PersistentVolumeClaims, PersistentVolumes,
 * StorageClasses and Pods, and write claims, volumes and Events. Import api, client and util only.
 */
export { persistentVolumeBinderController } from "./binder.ts"
export { pvcProtectionController, pvProtectionController } from "./protection.ts"
export { persistentVolumeExpanderController } from "./expand.ts"
export {
  LOCAL_PATH_CLASS,
  LOCAL_PATH_PROVISIONER,
  localPathProvisionerController,
  localPathStorageClass,
  type LocalPathOptions,
} from "./local-path.ts"
